#!/usr/bin/env bash
# DPO-LoRA wall time on the GPU image (no TRL there: the engine's own trainer), for docs/benchmarks.md:
# 545 synthetic pairs over a random Llama-3.2-1B-shaped model, LoRA rank 32 on every projection, bf16,
# reference log-probs precomputed with the adapter disabled, then one epoch of batch-8 steps; once plain,
# once through int8 activation + int8 KV rounding (straight-through). Nothing is installed or downloaded.
# Run from the repository root, through the device tool:
#   bash scripts/gpu/dpo-bench.sh
# Prints one JSON line per configuration (wall_s, reference_s, train_s, steps_per_s, peak_memory_gib);
# logs also go to $OUT (the device tool's folder) or /tmp/dpo-bench. Exit 1 if a run failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PYTHONPATH="$PWD/engine${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
out="${OUT:-/tmp/dpo-bench}"
mkdir -p "$out"
python3 -c 'import torch, transformers, peft; print("torch", torch.__version__, "transformers", transformers.__version__, "peft", peft.__version__, "gpu", torch.cuda.get_device_name(0))' | tee "$out/versions.txt"
status=0
for runtime in none a8kv8; do
  echo "== DPO, 545 pairs, runtime $runtime"
  python3 -m qreason_engine.bench.dpo --runtime "$runtime" "$@" 2>&1 | tee "$out/dpo-$runtime.txt" || status=1
done
grep -h '^{"bench"' "$out"/dpo-*.txt > "$out/summary.jsonl" || status=1
exit $status
