"""The local stack points the example platform API's Sentry client at its own pitchey-apm."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.stack import Stack


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        # project 1's key from SENTRY_PROJECT_KEYS
        ("2:other, 1:abc123", "http://abc123@127.0.0.1:8787/apm/1"),
        # no keys (a development stack accepts any)
        ("", "http://development@127.0.0.1:8787/apm/1"),
        # keys, but none for project 1
        ("2:other", "http://development@127.0.0.1:8787/apm/1"),
    ],
)
def test_own_apm_dsn(keys: str, expected: str) -> None:
    stack = Stack(port=8787, read_dev_vars=False, extra_vars={"SENTRY_PROJECT_KEYS": keys} if keys else {})
    assert stack.own_apm_dsn() == expected


def test_the_example_api_gets_the_dsn_and_its_own_vars_win(tmp_path: Path) -> None:
    stack = Stack(
        port=8787, read_dev_vars=False, config_dir=tmp_path, persist_dir=tmp_path / "state",
        example_api_vars={"SENTRY_DSN": "http://k@127.0.0.1:1/apm/1"},
    )  # fmt: skip
    stack.command()
    text = (tmp_path / "pitchey-platform-api-example.local.toml").read_text()
    assert 'SENTRY_DSN = "http://k@127.0.0.1:1/apm/1"' in text
    stack.example_api_vars = {}
    stack.command()
    text = (tmp_path / "pitchey-platform-api-example.local.toml").read_text()
    assert 'SENTRY_DSN = "http://development@127.0.0.1:8787/apm/1"' in text


def test_the_examples_are_wired_for_one_trace(tmp_path: Path) -> None:
    """The example API reaches the inventory example and pitchey-apm; the inventory example has
    its Durable Object (with a migration) and pitchey-apm too."""
    import tomllib

    stack = Stack(port=8787, read_dev_vars=False, config_dir=tmp_path, persist_dir=tmp_path / "state")
    command = stack.command()
    api = tomllib.loads((tmp_path / "pitchey-platform-api-example.local.toml").read_text())
    inventory = tomllib.loads((tmp_path / "pitchey-inventory-api-example.local.toml").read_text())
    assert {(s["binding"], s["service"]) for s in api["services"]} == {
        ("APM", "pitchey-apm"),
        ("INVENTORY", "pitchey-inventory-api-example"),
        ("SECURITY", "pitchey-security"),
    }
    assert inventory["services"] == [{"binding": "APM", "service": "pitchey-apm"}]
    assert inventory["durable_objects"]["bindings"] == [{"name": "STOCK_COUNTER", "class_name": "StockCounter"}]
    assert inventory["migrations"] == [{"tag": "v1", "new_sqlite_classes": ["StockCounter"]}]
    assert inventory["main"].endswith("examples/inventory_api/entry.py")
    assert str(tmp_path / "pitchey-inventory-api-example.local.toml") in command
    stack.example_apm_service = "pitchey-security"
    stack.command()
    api = tomllib.loads((tmp_path / "pitchey-platform-api-example.local.toml").read_text())
    assert ("APM", "pitchey-security") in {(s["binding"], s["service"]) for s in api["services"]}
