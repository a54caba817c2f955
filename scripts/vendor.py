"""Vendor each Worker's python_modules/: the Pyodide wheels, the core package and the adapters.

All deployable configs live in wrangler/, and wrangler takes python_modules/ from the config's
folder, so the six Workers share wrangler/python_modules/. Each deployed bundle then holds its
entry (the entry's own folder), this folder, and nothing else from the repo.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from .toolchain import LOCAL, ROOT, SetupError, digest, say, stamp_ok, write_stamp

LOCK = ROOT / "requirements" / "worker.txt"
WHEELS = LOCAL / "wheels"
PYTHON_MODULES = ROOT / "wrangler" / "python_modules"
OWN_PACKAGES = {
    "edgewatch": ROOT / "shared" / "edgewatch",
    "edgewatch_cf": ROOT / "workers" / "edgewatch_cf",
}
PLATFORM_ARGS = [
    "--only-binary=:all:",
    "--platform",
    "pyemscripten_2026_0_wasm32",
    "--python-version",
    "3.14",
    "--implementation",
    "cp",
    "--abi",
    "cp314",
]


def locked_names() -> list[str]:
    names = []
    for raw in LOCK.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            names.append(line.split("==")[0].lower().replace("-", "_"))
    return names


def _wheel_for(name: str) -> Path | None:
    for wheel in WHEELS.glob("*.whl"):
        if wheel.name.split("-")[0].lower().replace("-", "_") == name:
            return wheel
    return None


def ensure_wheels() -> list[Path]:
    missing = [n for n in locked_names() if _wheel_for(n) is None]
    if missing or not stamp_ok("wheels", digest(LOCK)):
        say(f"downloading Pyodide wheels: {', '.join(missing) or 'lock changed'}")
        shutil.rmtree(WHEELS, ignore_errors=True)
        WHEELS.mkdir(parents=True)
        env = dict(os.environ, PIP_CONSTRAINT="")
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes", "-r", str(LOCK)]
        result = subprocess.run([*cmd, *PLATFORM_ARGS, "-d", str(WHEELS), "-q"], env=env)
        if result.returncode != 0:
            raise SetupError(
                "pip could not download the Pyodide wheels in requirements/worker.txt (is PyPI reachable?)"
            )
        write_stamp("wheels", digest(LOCK))
    wheels = [_wheel_for(n) for n in locked_names()]
    if any(w is None for w in wheels):
        raise SetupError(f"wheels missing after download in {WHEELS}")
    return [w for w in wheels if w is not None]


def _sync_package(src: Path, dest: Path) -> None:
    """Make dest an exact copy of src, touching only files that differ: running `wrangler dev`
    sessions watch python_modules/ and reload on every write."""
    wanted = {p.relative_to(src) for p in src.rglob("*.py") if "__pycache__" not in p.parts}
    wanted |= {p.relative_to(src) for p in src.rglob("*.json") if "__pycache__" not in p.parts}
    for rel in sorted(wanted):
        source, target = src / rel, dest / rel
        data = source.read_bytes()
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    if dest.is_dir():
        for path in sorted(dest.rglob("*"), reverse=True):
            rel = path.relative_to(dest)
            if path.is_file() and rel not in wanted:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()


def vendor() -> Path:
    wheels = ensure_wheels()
    value = digest(LOCK)
    if not stamp_ok("python_modules", value) or not (PYTHON_MODULES / "pydantic").is_dir():
        say(f"unpacking {len(wheels)} wheels into {PYTHON_MODULES.relative_to(ROOT)}")
        shutil.rmtree(PYTHON_MODULES, ignore_errors=True)
        PYTHON_MODULES.mkdir(parents=True)
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(PYTHON_MODULES)
        write_stamp("python_modules", value)
    # Our own packages change with every edit: copy them every time (a few ms).
    for name, src in OWN_PACKAGES.items():
        _sync_package(src, PYTHON_MODULES / name)
    return PYTHON_MODULES
