#!/usr/bin/env bash
# Generation speed on the GPU (issue 17): the fast generator's parity tests on CUDA, then the benchmark
# sections of `python -m qreason_engine.bench.generate`, each in its own process under its own time limit
# so one failure or hang loses only itself. Nothing is installed (the image's packages, no network).
# Run from the repository root, through the device tool; the default sections fit the 10-minute limit of
# one command, the rest are a second command:
#   bash scripts/gpu/generate-bench.sh                                  # parity fixed long quant (~8 min)
#   SECTIONS="hf compiled check" bash scripts/gpu/generate-bench.sh     # HF static, torch.compile (~5 min)
#   BANDWIDTH=3.35e12 bash scripts/gpu/generate-bench.sh   # another GPU (H100 SXM); H200 is 4.8e12
#   SECTIONS="parity profile" MODES=ours-fast,floor bash scripts/gpu/generate-bench.sh  # where decode time goes
# Sections: parity (pytest, fp32 tiny models on CUDA: fast path == oracle; the Triton decode kernels ==
# their eager reference), profile (one decode step: ms eager / as a graph, kernel table), check (greedy agreement on a
# peaked model, graphs replayed), fixed (batches 1/64/256, 256 prompt + 256 new: ours-old, ours-fast,
# ours-fast-exact, floor), long (512 requests, 64..4096 output tokens), quant (bf16 / KV int4 / W4 in the fast path),
# hf (HF generate, static cache), compiled (ours-fast with torch.compile, batches 64/256), fixed-cublas (ours-fast at
# 64/256 with every decode projection on cuBLAS: the A/B of the Triton split-K GEMMs), fixed-nopdl (ours-fast at
# 1/64/256 with QREASON_DECODE_PDL=0: the A/B of programmatic dependent launch).
# Output: printed, and $OUT/generate-<section>.json + .log (the device tool's folder; /tmp/generate-bench).
set -uo pipefail
cd "$(dirname "$0")/../.."
export PYTHONPATH="$PWD/engine${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 PIP_NO_INDEX=1 HF_HUB_OFFLINE=1
export TOKENIZERS_PARALLELISM=false
out="${OUT:-/tmp/generate-bench}"
mkdir -p "$out"
bandwidth="${BANDWIDTH:-4.8e12}"
sections="${SECTIONS:-parity fixed long quant}"
modes="${MODES:-ours-old,ours-fast,ours-fast-exact,floor}"
old_requests="${OLD_REQUESTS:-64}"
start=$(date +%s)
status_line=()

run() {  # name, seconds, command...
  local name="$1" limit="$2"; shift 2
  local elapsed=$(( $(date +%s) - start ))
  echo
  echo "== $name (limit ${limit}s; ${elapsed}s elapsed so far) $(date -u +%H:%M:%S)"
  timeout --signal=INT --kill-after=15 "$limit" "$@" 2>&1 | tee "$out/generate-$name.log"
  local rc=${PIPESTATUS[0]}
  status_line+=("$name: exit $rc$([ "$rc" = 124 ] && echo ' (time limit)')")
}

python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')" 2>&1
nvidia-smi --query-gpu=name,memory.used,memory.total,clocks.sm,clocks.mem --format=csv 2>&1 | head -3

bench="python3 -m qreason_engine.bench.generate --bandwidth $bandwidth"
for section in $sections; do
  case "$section" in
    parity)   run parity 300 env QREASON_TEST_DEVICE=cuda python3 -m pytest -q -p no:cacheprovider \
                engine/tests/test_decode_kernels.py engine/tests/test_fast_generate.py ;;
    profile)  run profile "${PROFILE_LIMIT:-220}" $bench --sections profile --json "$out/generate-profile.json" ;;
    fixed-nopdl) run fixed-nopdl 110 env QREASON_DECODE_PDL=0 $bench --sections fixed --batches 1,64,256 \
                --modes ours-fast --json "$out/generate-fixed-nopdl.json" ;;
    fixed-cublas) run fixed-cublas 110 env QREASON_DECODE_GEMM=cublas $bench --sections fixed --batches 64,256 \
                --modes ours-fast --json "$out/generate-fixed-cublas.json" ;;
    check)    run check 60 $bench --sections check --json "$out/generate-check.json" ;;
    fixed)    run fixed 110 $bench --sections fixed --batches 1,64,256 --modes "$modes" \
                --json "$out/generate-fixed.json" ;;
    long)     run long "${LONG_LIMIT:-300}" $bench --sections long --old-requests "$old_requests" \
                --json "$out/generate-long.json" ;;
    quant)    run quant 100 $bench --sections quant --json "$out/generate-quant.json" ;;
    hf)       run hf 150 $bench --sections fixed --batches 1,64,256 --modes hf-static --json "$out/generate-hf.json" ;;
    compiled) run compiled 120 $bench --sections fixed --batches 64,256 --modes ours-fast-compiled \
                --json "$out/generate-compiled.json" ;;
    *) echo "unknown section $section"; status_line+=("$section: unknown") ;;
  esac
done

echo
echo "== summary ($(( $(date +%s) - start ))s)"
printf '%s\n' "${status_line[@]}" | tee "$out/generate-summary.txt"
grep -hE "^ *[0-9]+ +(ours|hf|floor)|speed-up|kv-int|kv-fp8|w4-rtn|bf16 |canary|passed|failed|MISMATCH|FAILED|ms/step" \
  "$out"/generate-*.log 2>/dev/null | tee -a "$out/generate-summary.txt"
