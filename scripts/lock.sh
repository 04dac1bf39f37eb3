#!/usr/bin/env bash
# Regenerate the engine's locks with pip-tools (docs/installs.md):
#   engine/locks/cpu.txt    from engine/pyproject.toml (with the dev and train extras) + engine/locks/cpu.in
#   engine/locks/tools.txt  from engine/locks/tools.in (pip-tools itself, which this script runs)
# Exact versions and every file's sha256, resolved by pip with this machine's pip configuration
# (find-links /opt/wheels for the CPU torch wheel, the local indexes, PyPI), for this machine's Python.
# Pins already in a lock are kept while they still fit; pass --upgrade (or --upgrade-package NAME) to
# move them. Then `bash scripts/setup.sh` rebuilds engine/.venv from the new lock.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=engine/.lock-tools
if [ ! -x "$tools/bin/pip-compile" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install -qq --require-hashes --no-deps -r engine/locks/tools.txt
fi
export CUSTOM_COMPILE_COMMAND="bash scripts/lock.sh"  # what the locks' headers say made them
compile() {
  "$tools/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
    --no-emit-find-links "$@"
}
compile "$@" -o engine/locks/tools.txt engine/locks/tools.in
compile "$@" --extra dev --extra train -o engine/locks/cpu.txt engine/pyproject.toml engine/locks/cpu.in
echo "[lock] wrote engine/locks/cpu.txt ($(grep -c '^[a-z].*==' engine/locks/cpu.txt) packages) and engine/locks/tools.txt" >&2
