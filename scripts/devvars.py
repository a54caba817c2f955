"""Local secrets from `.dev.vars` at the repository root (wrangler's convention; git-ignored).

Lines are ``NAME=value``; blank lines and lines starting with ``#`` are skipped; a value may be
wrapped in single or double quotes (double-quoted values understand ``\\n`` and ``\\"``).
"""

from __future__ import annotations

import re
from pathlib import Path

from .toolchain import ROOT, SetupError

DEV_VARS = ROOT / ".dev.vars"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_dev_vars(text: str, source: str = ".dev.vars") -> dict[str, str]:
    out: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        name = name.strip().removeprefix("export ").strip()
        if not sep or not _NAME.fullmatch(name):
            raise SetupError(f"{source}:{number}: expected NAME=value")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace("\\n", "\n").replace('\\"', '"')
        elif len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1]
        out[name] = value
    return out


def dev_vars(path: Path = DEV_VARS) -> dict[str, str]:
    """The local secrets, or nothing when there is no `.dev.vars`."""
    if not path.is_file():
        return {}
    return parse_dev_vars(path.read_text(encoding="utf-8"), str(path.name))
