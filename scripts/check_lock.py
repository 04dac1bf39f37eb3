"""Compare the running Python environment with a pip lock: every locked package at its locked version, and
nothing else (pip and the project itself aside). Exit 1 with the differences listed.

    engine/.venv/bin/python scripts/check_lock.py engine/locks/cpu.txt
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")
# Not in the lock by design: the installer itself, and the engine (installed editable from the tree).
UNLOCKED = {"pip", "qreason-engine"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins[canonical(match.group(1))] = match.group(2)
    return pins


def installed() -> dict[str, str]:
    return {canonical(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    lock = Path(argv[0])
    want, have = locked(lock), installed()
    problems = [f"missing: {name}=={version}" for name, version in sorted(want.items()) if name not in have]
    problems += [f"{name}: installed {have[name]}, locked {version}" for name, version in sorted(want.items())
                 if name in have and have[name] != version]
    problems += [f"not in the lock: {name}=={version}" for name, version in sorted(have.items())
                 if name not in want and name not in UNLOCKED]
    if problems:
        print(f"{sys.prefix} does not match {lock}:", *problems, sep="\n  ", file=sys.stderr)
        print(f"Rebuild it: rm -rf {sys.prefix} && bash scripts/setup.sh", file=sys.stderr)
        return 1
    print(f"[setup] {sys.prefix} matches {lock} ({len(want)} packages)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
