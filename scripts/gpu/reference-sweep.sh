#!/usr/bin/env bash
# Train candidate reference models on the GPU machine and measure each one's accuracy by engine recipe.
# Inputs (made here first, carried in .gpu/):
#   npx qreason data export arith --split train --n 60000 --out .gpu/train.jsonl && gzip -k .gpu/train.jsonl
#   npx qreason data export arith --split test --n 1000 --out .gpu/test.jsonl
#   head -2000 .gpu/train.jsonl > .gpu/calib.jsonl
# Usage: bash scripts/gpu/reference-sweep.sh OUT_DIR NAME:ARGS [NAME:ARGS ...]
#   e.g. bash scripts/gpu/reference-sweep.sh "$OUT" "h256l4:--hidden 256 --layers 4 --intermediate 768"
set -euo pipefail
out="$1"; shift
export PYTHONPATH="$PWD/engine${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
recipes="${RECIPES:-fp,rtn-w8g128,rtn-w4g128,rtn-w3g128,gptq-w3g128,awq-w3g128,rtn-w2g64}"
for spec in "$@"; do
  name="${spec%%:*}"; args="${spec#*:}"
  (
    # shellcheck disable=SC2086
    python3 -m qreason_engine.cli train-reference --data .gpu/train.jsonl.gz --eval .gpu/test.jsonl \
      --eval-n 400 --out "/tmp/ref-$name" $args > "$out/train-$name.log" 2>&1
    python3 -m qreason_engine.bench.reference_curve --model "/tmp/ref-$name" --test .gpu/test.jsonl \
      --calibration .gpu/calib.jsonl --n 400 --recipes "$recipes" > "$out/curve-$name.jsonl" 2> "$out/curve-$name.err"
    tar -C /tmp -czf "$out/ref-$name.tar.gz" "ref-$name"
  ) &
done
wait
for spec in "$@"; do name="${spec%%:*}"; echo "== $name"; tail -3 "$out/train-$name.log"; cat "$out/curve-$name.jsonl"; done
