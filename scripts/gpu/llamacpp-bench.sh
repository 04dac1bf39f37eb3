#!/usr/bin/env bash
# llama.cpp on the GPU machine with a model of real size: a random Llama-3.2-1B-shaped checkpoint made by
# the engine, exported by qreason's own GGUF writer, quantized to every listed type by llama.cpp's quantizer,
# then generation (single stream and batched) and scoring throughput with llama.cpp's native tools built
# with CUDA from the release node-llama-cpp binds (scripts/gpu/build-llamacpp.sh says why).
# Carried: .gpu-ll/llama-src.tar.xz (see build-llamacpp.sh) and .gpu-node/node.xz (xz -c node_modules/node/bin/node).
# Usage: bash scripts/gpu/llamacpp-bench.sh OUT_DIR prep|bench   (prep: build, export, quantize; bench: the rest)
set -euo pipefail
out="$1"; phase="$2"
export PYTHONPATH="$PWD/engine${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
bin=/tmp/llama.cpp/build/bin; work=/tmp/l1b; log="$out/llamacpp-$phase.txt"
types=(Q8_0 Q6_K Q5_K_M Q5_0 Q4_K_M Q4_K_S Q4_0 Q3_K_M Q3_K_S Q2_K)
say() { echo "$*" | tee -a "$log"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
mkdir -p "$work"
bash scripts/gpu/build-llamacpp.sh .gpu-ll/llama-src.tar.xz /tmp/llama.cpp > "$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
say "$(tail -1 "$out/build.log")"
if [ "$phase" = prep ]; then
  [ -x /tmp/node ] || { xz -dc .gpu-node/node.xz > /tmp/node; chmod +x /tmp/node; }
  t0=$(now); python3 -m qreason_engine.bench.random_checkpoint --out "$work/hf" | tee -a "$log"
  say "random checkpoint: $(since "$t0") s"
  t0=$(now)
  /tmp/node --input-type=module -e 'const { exportGguf } = await import(process.cwd() + "/src/gguf/export.ts");
    const r = await exportGguf(process.argv[1], process.argv[2], { type: "f16", overwrite: true });
    console.log(r.type, r.tensorCount, "tensors", r.bytes, "bytes");' "$work/hf" "$work/F16.gguf" | tee -a "$log"
  say "qreason gguf export (bf16 -> F16): $(since "$t0") s"
  for type in "${types[@]}"; do
    t0=$(now); "$bin/llama-quantize" "$work/F16.gguf" "$work/$type.gguf" "$type" "$(nproc)" > "$out/quantize-last.log" 2>&1 || { tail -5 "$out/quantize-last.log"; say "quantize $type failed"; continue; }
    say "quantize $type: $(since "$t0") s, $(stat -c %s "$work/$type.gguf") bytes ($(nproc) threads)"
  done
else
  models=(F16 Q8_0 Q4_K_M Q2_K)
  args=(); for m in "${models[@]}"; do args+=(-m "$work/$m.gguf"); done
  "$bin/llama-bench" "${args[@]}" -ngl 99 -p 512 -n 128 -r 3 -o md 2>&1 | tee -a "$log" || say "llama-bench failed"
  for m in "${models[@]}"; do
    say "== batched $m (256 prompt + 256 generated tokens per sequence)"
    "$bin/llama-batched-bench" -m "$work/$m.gguf" -ngl 99 -c 131072 -b 2048 -ub 512 -npp 256 -ntg 256 \
      -npl 1,16,64,256 2>&1 | grep -E "^\||error|failed" | tee -a "$log" || say "batched-bench failed"
  done
  cat docs/*.md README.md ./*/README.md > "$work/text.txt"
  for m in "${models[@]}"; do
    say "== scoring $m (llama-perplexity: 512-token windows, full-vocabulary logits for the second half of each)"
    "$bin/llama-perplexity" -m "$work/$m.gguf" -f "$work/text.txt" -ngl 99 -c 512 -b 2048 --chunks 64 2>&1 \
      | grep -E "prompt eval time|chunks|Final estimate|error|failed" | tee -a "$log" || say "perplexity failed"
  done
fi
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee -a "$log"
