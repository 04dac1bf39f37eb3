"""DPO's reference policy is the same quantized base with the adapter disabled — never the fp model (unless
the recipe says `reference: fp`) and never the adapter-enabled policy (the LLaMA-Factory #913 pitfall).

The run starts from a trained-looking adapter (init_adapter, random B), so the adapter-enabled policy,
the adapter-disabled base and the fp model all give different log-probs from the first step; the log-probs
the trainer precomputed (recorded in train.json) must be those of the variant loaded fresh, alone."""

import json
import math

import pytest

from qreason_engine.serve.loading import open_model
from qreason_engine.train.adapter_run import train_adapter
from qreason_engine.train.data import load_dataset
from qreason_engine.train.recipe import parse_train_recipe
from qreason_engine.train.trainer import pad_id_of, reference_logps

from train_fixtures import make_variant, write_pairs, write_random_adapter


@pytest.fixture(scope="module")
def setup(tiny_model_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("reference")
    source = tiny_model_dir("llama")
    variant = make_variant(source, root / "variant")
    adapter = write_random_adapter(variant, root / "init-adapter")
    return {"root": root, "source": source, "variant": variant, "adapter": adapter,
            "pairs": write_pairs(root / "pairs.jsonl")}


def mean_logps(model_dir, setup, adapter=None):
    loaded = open_model(model_dir, dtype="fp32", device="cpu", adapter=adapter)
    dataset = load_dataset(setup["pairs"], "dpo", loaded.tokenizer, max_length=1024, append_eos=True)
    values = reference_logps(loaded.model, dataset.examples, pad_id=pad_id_of(loaded.tokenizer), micro_batch=4)
    return sum(c for c, _ in values) / len(values), sum(r for _, r in values) / len(values)


def run(setup, name, **fields):
    recipe = parse_train_recipe({"kind": "dpo", "base": str(setup["variant"]), "data": str(setup["pairs"]),
                                 "lora": {"rank": 4, "alpha": 8, "targets": ["q_proj", "v_proj"]},
                                 "init_adapter": str(setup["adapter"]), "max_steps": 1, "batch_size": 4, **fields})
    return train_adapter(recipe, setup["root"] / name, device="cpu", dtype="fp32", log=lambda _text: None)


def test_the_reference_is_the_variant_with_the_adapter_disabled(setup):
    record = run(setup, "adapter-disabled")
    reference = record["reference"]
    used = (reference["chosen_logps_mean"], reference["rejected_logps_mean"])
    assert reference["policy"] == "adapter-disabled"
    assert reference["identity"] == open_model(setup["variant"], device="cpu").identity
    assert used == pytest.approx(mean_logps(setup["variant"], setup), abs=1e-4)
    fp = mean_logps(setup["source"], setup)
    enabled = mean_logps(setup["variant"], setup, adapter=setup["adapter"])
    for wrong, name in ((fp, "the fp model"), (enabled, "the adapter-enabled policy")):
        assert abs(used[0] - wrong[0]) + abs(used[1] - wrong[1]) > 1e-2, f"the reference was {name}"
    # The policy starts away from the reference, so the first loss is not DPO's log 2.
    assert abs(record["metrics"]["first"]["loss"] - math.log(2)) > 1e-3


def test_reference_fp_is_the_fp_model_only_when_asked(setup):
    record = run(setup, "fp-reference", reference="fp", fp_model=str(setup["source"]))
    used = (record["reference"]["chosen_logps_mean"], record["reference"]["rejected_logps_mean"])
    assert record["reference"]["policy"] == "fp"
    assert used == pytest.approx(mean_logps(setup["source"], setup), abs=1e-4)
    assert json.loads((setup["root"] / "fp-reference" / "train.json").read_text())["reference"]["policy"] == "fp"
