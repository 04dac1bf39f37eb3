#!/usr/bin/env bash
# Build llama.cpp's own tools with CUDA on the GPU machine, from the source of the very release that
# node-llama-cpp binds (its llama/gitRelease.bundle, packed here without .git, models/ and docs/):
#   git clone node_modules/node-llama-cpp/llama/gitRelease.bundle /tmp/llsrc
#   tar --exclude=.git --exclude=llsrc/models --exclude=llsrc/docs --exclude=llsrc/media --exclude=llsrc/tests \
#       --exclude=llsrc/benches -C /tmp -cJf .gpu-ll/llama-src.tar.xz llsrc
# Usage: bash scripts/gpu/build-llamacpp.sh SRC.tar.xz [DEST]   (idempotent: an existing build is kept)
# The prebuilt CUDA binary node-llama-cpp ships is 159 MB (124 MB compressed), more than a device call
# can carry, so the GPU figures come from llama.cpp's native tools built from the same source.
set -euo pipefail
src_tar="$1"; dest="${2:-/tmp/llama.cpp}"
tools=(llama-quantize llama-bench llama-batched-bench llama-perplexity)
if [ -x "$dest/build/bin/llama-batched-bench" ]; then echo "llama.cpp already built in $dest"; exit 0; fi
mkdir -p "$dest"
tar -xJf "$src_tar" -C "$dest" --strip-components=1
started=$(date +%s)
cmake -S "$dest" -B "$dest/build" -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF
cmake --build "$dest/build" -j "${JOBS:-12}" --target "${tools[@]}"
echo "built ${tools[*]} in $(( $(date +%s) - started )) s"
