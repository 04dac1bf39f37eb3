#!/usr/bin/env bash
# One-step setup on a fresh machine: Node packages (which bring Node 24 itself, from the npm registry),
# the Python engine in engine/.venv (torch pinned to the local CPU wheel), and Debian's Chromium for the
# browser tests. Safe to run again: every step is skipped or quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

log "npm packages (Node $(node --version) runs npm; the project runs on the Node 24 it installs)"
# `npm install`, not `npm ci`: the lock pins every version, but node-llama-cpp's optional prebuilt binaries
# for other platforms (win-x64, mac-*) are absent from the registry this machine reaches, and `npm ci`
# refuses a lock without them while `npm install` skips optional packages it cannot get.
npm install --no-audit
log "project Node: $(npx --no-install node --version)"

PYTHON="${PYTHON:-python3}"
if [ ! -x engine/.venv/bin/python ]; then
  log "creating engine/.venv with $($PYTHON --version)"
  "$PYTHON" -m venv engine/.venv
fi
if ! engine/.venv/bin/python -c 'import torch' 2>/dev/null; then
  # Pinned: 2.13.0 is the CPU wheel on this machine's disk; an unpinned torch would pull a CUDA build.
  log "installing torch==2.13.0 (CPU)"
  engine/.venv/bin/pip install -q torch==2.13.0
fi
log "installing the engine (editable) and its test/training extras"
engine/.venv/bin/pip install -q -e 'engine[dev,train]' 2>&1 | grep -v "is ignored: it is neither" || true

if [ "${QREASON_SKIP_CHROMIUM:-0}" != 1 ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's chromium (browser tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    log "chromium not found and cannot install it (not root or no apt-get); browser tests will fail"
  fi
fi
log "done"
