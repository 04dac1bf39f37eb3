"""The DPO benchmark's CPU path on a tiny shape, with TRL made unimportable (the GPU image has none)."""

import sys

from qreason_engine.bench.dpo import run, synthetic_pairs


def test_dpo_bench_runs_without_trl_and_reports_its_figures(monkeypatch):
    monkeypatch.setitem(sys.modules, "trl", None)  # `import trl` now raises ImportError
    report = run(["--small", "--pairs", "6", "--batch-size", "3", "--rank", "4", "--runtime", "a8kv8"])
    assert report["steps"] == 2 and report["pairs"] == 6
    assert report["wall_s"] >= report["train_s"] > 0 and report["steps_per_s"] > 0
    assert abs(report["final_loss"] - 0.693) < 0.05  # DPO starts at log 2 and a tiny lr barely moves it


def test_synthetic_pairs_are_seeded():
    assert synthetic_pairs(3, 512, seed=1, small=True) == synthetic_pairs(3, 512, seed=1, small=True)
    assert synthetic_pairs(3, 512, seed=1, small=True) != synthetic_pairs(3, 512, seed=2, small=True)
