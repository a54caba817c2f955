"""A local development stack (what `./dev up` runs, with no token secrets): the deploy guide's curl
example works exactly as written, and reads are open; the deployed environments require tokens."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.stack import Stack


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("dev-mode")
    stack = Stack(
        persist_dir=root / "state", log_path=root / "wrangler.log", environment="development", dashboard_port=None
    )
    stack.start()
    yield stack
    stack.stop()


def test_the_guides_curl_example_as_written(dev_stack: Stack) -> None:
    curl = shutil.which("curl")
    assert curl is not None, "curl is needed for this test (Debian package curl)"
    # From the deploy guide, with only the host replaced; an error line so sampling keeps it.
    script = (
        f"curl -s -X POST {dev_stack.base_url}/logs/ingest "
        '-H "Content-Type: application/json" '
        "-d '{\n"
        '    "level": "error",\n'
        '    "message": "Test log entry",\n'
        '    "service": "test",\n'
        "    \"timestamp\": '$(date +%s000)'\n"
        "  }'"
    )
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60, check=True).stdout
    answer = json.loads(out)
    assert answer["accepted"] == 1 and answer["stored"] == 1, answer
    status, body = dev_stack.request("GET", "/logs/search?service=test&q=%22Test+log+entry%22")
    assert status == 200
    assert [m["message"] for m in body["matches"]] == ["Test log entry"]
