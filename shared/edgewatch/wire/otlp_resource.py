"""An OTLP resource and instrumentation scope as a record's shared attributes: the service from
``service.name`` (cleaned), the other resource attributes under ``resource.``, the scope's name and
version as ``otel.scope.name`` / ``otel.scope.version``. Shared by the logs and traces parsers."""

from __future__ import annotations

from typing import Any

from .items import EntryError
from .names import UNKNOWN_SERVICE, clean_service
from .otlp_values import envelope_array, envelope_object, key_values


def resource_of(resource: Any, path: str) -> tuple[str, dict[str, Any], str | None]:
    if resource is None:
        return UNKNOWN_SERVICE, {}, None
    envelope_object(resource, f"{path}.resource")
    try:
        attributes = key_values(resource.get("attributes"), 1)
    except EntryError as exc:
        return UNKNOWN_SERVICE, {}, f"{path}.resource.attributes: {exc}"
    service = UNKNOWN_SERVICE
    name = attributes.get("service.name")
    if type(name) is str and name:
        service = clean_service(name)
        if service == name:  # kept under resource.service.name only when it had to be cleaned
            del attributes["service.name"]
    return service, {f"resource.{key}": value for key, value in attributes.items()}, None


def with_scope(shared: dict[str, Any], scope: Any, path: str) -> dict[str, Any]:
    if scope is None:
        return shared
    envelope_object(scope, f"{path}.scope")
    name, version = scope.get("name"), scope.get("version")
    if not (type(name) is str and name) and not (type(version) is str and version):
        return shared
    merged = dict(shared)
    if type(name) is str and name:
        merged["otel.scope.name"] = name
    if type(version) is str and version:
        merged["otel.scope.version"] = version
    return merged


# (service, attributes the items share, why they are all rejected or None, the items)
ScopeGroup = tuple[str, dict[str, Any], str | None, list[Any]]


def scope_groups(request: dict[str, Any], resources: str, scopes: str, items: str) -> list[ScopeGroup]:
    """The items of an Export*ServiceRequest grouped by resource and scope, e.g. ``resourceSpans``,
    ``scopeSpans``, ``spans``: a malformed envelope is a BadRequest naming its path; bad resource
    attributes reject that resource's items (the problem is carried with the group)."""
    groups: list[ScopeGroup] = []
    for i, resource_items in enumerate(envelope_array(request.get(resources), resources)):
        path = f"{resources}[{i}]"
        envelope_object(resource_items, path)
        service, shared, problem = resource_of(resource_items.get("resource"), path)
        for j, scope_items in enumerate(envelope_array(resource_items.get(scopes), f"{path}.{scopes}")):
            scope_path = f"{path}.{scopes}[{j}]"
            envelope_object(scope_items, scope_path)
            found = envelope_array(scope_items.get(items), f"{scope_path}.{items}")
            if found:
                groups.append((service, with_scope(shared, scope_items.get("scope"), scope_path), problem, found))
    return groups
