#!/usr/bin/env python3
"""Fail when a requirements*.txt changed and its lock file was not refreshed.

`make install` installs from requirements.lock / requirements-dev.lock (every
package pinned, with hashes); the .txt files are what people edit. This check
compares the two without touching the network, so `make test` can run it first:
every `name==version` of requirements.txt must be in requirements.lock at that
version (and likewise for requirements-dev.txt, which includes requirements.txt,
and requirements-dev.lock), and every package the lock says came from a .txt
file (uv's `# via -r requirements.txt`) must still be pinned there. Standard
library only: it runs before the virtualenv exists.

Usage: bin/check_lock.py [DIRECTORY]  (default: the checkout). Exit 1 and one
line per problem, ending with what to do, when a lock is out of date.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

#: Each requirements file and the lock compiled from it (`make lock`).
LOCKS = {
    "requirements.txt": "requirements.lock",
    "requirements-dev.txt": "requirements-dev.lock",
    "requirements-mlbackend.txt": "requirements-mlbackend.lock",
}
FIX = "Run `make lock` and commit the lock files with the requirements change."

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")
_LOCKED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
_VIA = re.compile(r"^\s*#\s+(?:via\s+)?(-r\s+\S+)\s*$")


def normalized(name: str) -> str:
    """PEP 503 name: "Django", "django_environ" and "Django.Environ" are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path, problems: list[str]) -> dict[str, tuple[str, str]]:
    """{name: (version, file)} of `path` and the files it includes with -r."""
    found: dict[str, tuple[str, str]] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.split(" #", 1)[0].strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith(("-r ", "--requirement ")):
            included = path.parent / text.split(None, 1)[1]
            found.update(pins(included, problems))
            continue
        pin = _PIN.match(text)
        if pin is None:
            problems.append(
                f"{path.name}:{number}: {text!r} is not pinned as name==version: "
                "pin it with == so the lock can be checked."
            )
            continue
        found[normalized(pin.group(1))] = (pin.group(2), path.name)
    return found


def locked(path: Path) -> tuple[dict[str, str], dict[str, set[str]]]:
    """{name: version} of a lock and {name: requirement files it came from}."""
    versions: dict[str, str] = {}
    sources: dict[str, set[str]] = {}
    current = None
    for line in path.read_text().splitlines():
        entry = _LOCKED.match(line)
        if entry:
            current = normalized(entry.group(1))
            versions[current] = entry.group(2)
            sources[current] = set()
            continue
        via = _VIA.match(line)
        if via and current is not None:
            sources[current].add(via.group(1).split()[1])
    return versions, sources


def lock_problems(root: Path) -> list[str]:
    """One sentence per difference between the requirements and their locks."""
    problems: list[str] = []
    for requirements, lock in LOCKS.items():
        if not (root / requirements).exists():
            continue
        wanted = pins(root / requirements, problems)
        if not (root / lock).exists():
            problems.append(f"{lock} is missing.")
            continue
        versions, sources = locked(root / lock)
        for name, (version, origin) in sorted(wanted.items()):
            have = versions.get(name)
            if have is None:
                problems.append(
                    f"{origin} pins {name}=={version}, which {lock} does not have."
                )
            elif have != version:
                problems.append(
                    f"{origin} pins {name}=={version} but {lock} has {name}=={have}."
                )
        for name, origins in sorted(sources.items()):
            if name not in wanted and origins & set(LOCKS):
                problems.append(
                    f"{lock} still has {name}=={versions[name]} from "
                    f"{', '.join(sorted(origins & set(LOCKS)))}, which no longer "
                    "pins it."
                )
    return problems


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    problems = lock_problems(root)
    if not problems:
        return 0
    for problem in problems:
        print(f"Lock files out of date: {problem}", file=sys.stderr)
    print(FIX, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
