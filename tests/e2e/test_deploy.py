"""`wrangler deploy --dry-run` bundles every Worker offline, with only its entry and python_modules."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from edgewatch.services import SERVICES
from scripts.toolchain import ROOT, wrangler_command, wrangler_env


@pytest.mark.parametrize("concern", [s.concern for s in SERVICES])
def test_dry_run_deploy_bundles_only_what_the_worker_needs(concern: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = [*wrangler_command(), "deploy", "--dry-run", "--outdir", str(out), "-c", f"wrangler/{concern}.toml"]
    result = subprocess.run(cmd, cwd=ROOT, env=wrangler_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert "entry.py" in files, sorted(files)[:20]
    # Our core and adapters are vendored, with their dependencies.
    for needed in ("edgewatch/config.py", "edgewatch_cf/app.py", "pydantic/__init__.py", "workers/__init__.py"):
        assert any(f.endswith(needed) for f in files), needed
    # Nothing else from the repository: no tests, scripts, other Workers' entries, or dashboard.
    assert not any(part in f for f in files for part in ("tests/", "scripts/", "dashboard/", "node_modules/")), sorted(
        files
    )
    # Outside python_modules/: exactly this Worker's own folder.
    own = {p.name for p in (ROOT / "workers" / concern).glob("*.py")}
    assert {f for f in files if not f.startswith("python_modules/") and f != "README.md"} == own
    assert (out / "entry.py").read_text() == (ROOT / "workers" / concern / "entry.py").read_text()
