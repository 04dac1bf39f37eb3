import pytest

from qreason_engine.model import load_model
from qreason_engine.tiny import FAMILIES, make_tiny_model


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """Factory: the directory of a tiny random model of a family (built once per session)."""
    cache = {}

    def build(family: str = "llama"):
        if family not in cache:
            cache[family] = make_tiny_model(family, tmp_path_factory.mktemp(f"tiny-{family}"))
        return cache[family]

    return build


@pytest.fixture(scope="module")
def loaded(tiny_model_dir):
    """Factory: a tiny model of a family loaded in fp32 on the CPU (once per test module)."""
    cache = {}

    def get(family: str):
        if family not in cache:
            cache[family] = load_model(tiny_model_dir(family), dtype="fp32", device="cpu")
        return cache[family]

    return get


@pytest.fixture(params=FAMILIES)
def family(request):
    return request.param
