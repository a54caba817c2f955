from __future__ import annotations

import pytest

from edgewatch.apm.tracing import semantics


def test_server_attributes_keep_the_path_and_never_the_query() -> None:
    attrs = semantics.server_attributes("GET", "https://api.example/orders/7?token=secret", "/orders/:id")
    assert attrs == {
        "http.request.method": "GET",
        "url.path": "/orders/7",
        "url.scheme": "https",
        "server.address": "api.example",
        "http.route": "/orders/:id",
    }
    assert "secret" not in str(attrs)


def test_client_attributes_drop_credentials_and_query() -> None:
    attrs = semantics.client_attributes("POST", "https://user:pw@stock.example:8443/items?key=k", "inventory")
    assert attrs["url.full"] == "https://stock.example:8443/items"
    assert attrs["server.port"] == 8443 and attrs["peer.service"] == "inventory"
    assert "pw" not in str(attrs) and "key=k" not in str(attrs)


@pytest.mark.parametrize(
    ("method", "route", "name"), [("GET", "/orders/:id", "GET /orders/:id"), ("POST", None, "POST")]
)
def test_server_span_names(method: str, route: str | None, name: str) -> None:
    assert semantics.server_span_name(method, route) == name


@pytest.mark.parametrize(
    ("status", "server", "client"), [(200, False, False), (404, False, True), (500, True, True), (503, True, True)]
)
def test_which_statuses_fail_a_span(status: int, server: bool, client: bool) -> None:
    assert semantics.server_failed(status) is server
    assert semantics.client_failed(status) is client


def test_client_span_names_prefer_the_peer() -> None:
    assert semantics.client_span_name("GET", "https://inventory/stock", "inventory-api") == "GET inventory-api"
    assert semantics.client_span_name("GET", "https://stock.example/x") == "GET stock.example"
