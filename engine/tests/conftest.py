import pytest
import torch

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


@pytest.fixture
def one_thread():
    """Tiny tensors: thread start-up costs more than it saves, and on a shared 2-core machine idle OpenMP
    threads spin against other processes (measured 20x slower). Restored after each test. A module opts in
    with `pytestmark = pytest.mark.usefixtures("one_thread")`."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
