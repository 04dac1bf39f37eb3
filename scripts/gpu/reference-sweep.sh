#!/usr/bin/env bash
# Train candidate reference models on the GPU machine, in parallel, and measure each one's accuracy by
# engine recipe. Inputs (made here first, carried in .gpu/):
#   npx qreason data export arith --split train --n 200000 --out train.jsonl && gzip -c train.jsonl > .gpu/train.jsonl.gz
#   npx qreason data export arith --split test --n 1000 --out .gpu/test.jsonl
#   head -2000 train.jsonl > .gpu/calib.jsonl
# Usage: bash scripts/gpu/reference-sweep.sh OUT_DIR NAME:ARGS [NAME:ARGS ...]
#   e.g. bash scripts/gpu/reference-sweep.sh "$OUT" "l4:--layers 4 --intermediate 512 --time-budget 270"
# Writes OUT_DIR/ref-NAME.tar.gz per candidate (the HF model, train.log, curve.jsonl, curve.err) and
# OUT_DIR/summary.txt; few files, because the device tool returns at most eight.
set -euo pipefail
out="$1"; shift
export PYTHONPATH="$PWD/engine${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
recipes="${RECIPES:-fp,rtn-w8g128,rtn-w4g128,rtn-w3g128,gptq-w3g128,awq-w3g128,rtn-w2g64}"
n="${EVAL_N:-400}"
for spec in "$@"; do
  name="${spec%%:*}"; args="${spec#*:}"; dir="/tmp/ref-$name"
  (
    mkdir -p "$dir"
    # shellcheck disable=SC2086
    python3 -m qreason_engine.cli train-reference --data .gpu/train.jsonl.gz --eval .gpu/test.jsonl \
      --eval-n "$n" --out "$dir/hf" $args > "$dir/train.log" 2>&1 || echo "training failed" >> "$dir/train.log"
    python3 -m qreason_engine.bench.reference_curve --model "$dir/hf" --test .gpu/test.jsonl \
      --calibration .gpu/calib.jsonl --n "$n" --recipes "$recipes" > "$dir/curve.jsonl" 2> "$dir/curve.err" || true
    tar -C /tmp -czf "$out/ref-$name.tar.gz" "ref-$name"
  ) &
done
wait
for spec in "$@"; do
  name="${spec%%:*}"
  { echo "== $name: ${spec#*:}"; grep -E "parameters|time budget|eval accuracy" "/tmp/ref-$name/train.log" || true
    tail -2 "/tmp/ref-$name/train.log"; cat "/tmp/ref-$name/curve.jsonl"; tail -3 "/tmp/ref-$name/curve.err"; } | tee -a "$out/summary.txt"
done
