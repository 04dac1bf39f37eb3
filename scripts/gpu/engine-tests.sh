#!/usr/bin/env bash
# The engine's tests on the GPU image's own packages, the second supported set (engine/locks/gpu-image.txt).
# Nothing is installed (the machine has no network): the engine runs from the tree on PYTHONPATH under the
# image's python3. Run from the repository root, through the device tool:
#   bash scripts/gpu/engine-tests.sh
# 1. versions: python, torch, transformers, peft, ... and where they differ from gpu-image.txt;
# 2. the engine's pytest suite, on the CPU as CI runs it (CUDA hidden), under the image's transformers;
# 3. the KV canary on the GPU: every KV format of the reference model loads (the canary proves the
#    quantizing cache acts) and KV int4 moves teacher-forced log-probs (bench/kv_logprobs), bf16 and fp32;
# 4. a summary. Logs go to $OUT (the device tool's folder) or /tmp/engine-tests. Exit 1 if anything failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PYTHONPATH="$PWD/engine${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 PIP_NO_INDEX=1 HF_HUB_OFFLINE=1
out="${OUT:-/tmp/engine-tests}"
mkdir -p "$out"

echo "== versions"
python3 - <<'PY' 2>&1 | tee "$out/versions.txt"
import platform
import re
from importlib import metadata
from pathlib import Path

expected = {}
for line in Path("engine/locks/gpu-image.txt").read_text().splitlines():
    match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line)
    if match:
        expected[match.group(1).lower()] = match.group(2)
found = {"python": platform.python_version()}
for name in ("torch", "transformers", "peft", "safetensors", "tokenizers", "numpy", "huggingface-hub",
             "accelerate", "pytest", "trl"):
    try:
        found[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        found[name] = "absent"
for name, version in found.items():
    want = expected.get(name)
    note = "" if want is None or version.split("+")[0] == want.split("+")[0] else f"   <- gpu-image.txt says {want}"
    print(f"{name:16} {version}{note}")
import torch
print(f"{'cuda':16} {torch.cuda.is_available()} {torch.cuda.get_device_name(0) if torch.cuda.is_available() else ''}")
PY

echo "== pytest engine/tests (CPU, the image's packages)"
CUDA_VISIBLE_DEVICES="" python3 -m pytest -q -p no:cacheprovider engine/tests 2>&1 | tee "$out/pytest.log"
tests=${PIPESTATUS[0]}

kv=0
device="${KV_DEVICE:-cuda}"  # KV_DEVICE=cpu tries the script on a machine without a GPU
for dtype in bf16 fp32; do
  echo "== KV canary and log-prob shift, reference model, $device $dtype"
  python3 -m qreason_engine.bench.kv_logprobs --model models/reference/hf --device "$device" --dtype "$dtype" \
    2> "$out/kv-$dtype.err" | tee "$out/kv-$dtype.jsonl"
  status=${PIPESTATUS[0]}
  if [ "$status" != 0 ]; then kv=1; tail -5 "$out/kv-$dtype.err"; fi
done

echo "== summary"
{
  grep -E "^(python|torch|transformers|peft) " "$out/versions.txt"
  echo "pytest: exit $tests, $(grep -E '(passed|failed|error)' "$out/pytest.log" | tail -1)"
  for dtype in bf16 fp32; do
    python3 - "$out/kv-$dtype.jsonl" "$dtype" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    row = json.loads(line)
    if "error" in row:
        print(f"kv {sys.argv[2]} {row['kv_bits']}: REFUSED {row['error']['message']}")
    else:
        print(f"kv {sys.argv[2]} {row['kv_bits']}: canary {row['canary']}, max |dlogprob| {row['max_abs_delta']:.4f}, "
              f"mean {row['mean_abs_delta']:.5f} over {row['tokens']} tokens, ok {row['ok']}")
PY
  done
  echo "overall: $([ "$tests" = 0 ] && [ "$kv" = 0 ] && echo PASS || echo FAIL)"
} | tee "$out/summary.txt"
[ "$tests" = 0 ] && [ "$kv" = 0 ]
