from __future__ import annotations

import socket
from pathlib import Path

import pytest

from scripts.cli import port_free
from scripts.devvars import dev_vars, parse_dev_vars
from scripts.toolchain import SetupError


def test_parse_dev_vars() -> None:
    text = """
# local secrets
ADMIN_TOKENS=admin-local-0001
export READ_TOKENS = "read-1,read-2"
SECURITY_CONFIG_JSON='{"failMode": "closed"}'
MULTI="a\\nb \\"quoted\\""
EMPTY=
"""
    assert parse_dev_vars(text) == {
        "ADMIN_TOKENS": "admin-local-0001",
        "READ_TOKENS": "read-1,read-2",
        "SECURITY_CONFIG_JSON": '{"failMode": "closed"}',
        "MULTI": 'a\nb "quoted"',
        "EMPTY": "",
    }


@pytest.mark.parametrize("line", ["no equals sign", "1BAD=x", "=value", "with space=x"])
def test_a_bad_line_is_named(line: str) -> None:
    with pytest.raises(SetupError, match=r"\.dev\.vars:2: expected NAME=value"):
        parse_dev_vars(f"OK=1\n{line}\n")


def test_no_file_means_no_vars(tmp_path: Path) -> None:
    assert dev_vars(tmp_path / ".dev.vars") == {}
    (tmp_path / ".dev.vars").write_text("A=1\n")
    assert dev_vars(tmp_path / ".dev.vars") == {"A": "1"}


def test_port_free() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        assert not port_free(busy)
    assert port_free(busy)
