"""The alerting section made ready to run: rules compiled, receivers (the seed's channels plus
``receivers``), the routing tree (``route``, with each rule's ``channels`` as generated routes in
front), inhibition rules, the resolve timeout and the external URL.

Without a ``route`` the root is ``{"receiver": <default>, "groupBy": ["alertname", "service"]}``:
the default receiver is ``slack`` when configured, else the first receiver, else ``null`` (a
receiver that records the decision and sends nothing). Direct alerts (``/alerts/trigger``, the v2
API) without a matching route go to that root receiver.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..config import AlertingConfig
from .inhibit import DEFAULT_INHIBIT_RULES, InhibitRule, inhibit_rules_from_config
from .receivers import Receiver, ReceiverConfigError, receivers_from_channels, receivers_from_dicts
from .routes import Route, build_route_tree, routes_from_rule_channels
from .ruleconfig import CompiledRule, compile_rules

NULL_RECEIVER = "null"
DEFAULT_GROUP_BY = ("alertname", "service")


@dataclass(frozen=True)
class AlertingSetup:
    rules: tuple[CompiledRule, ...]
    route: Route
    receivers: Mapping[str, Receiver]
    inhibit_rules: tuple[InhibitRule, ...]
    resolve_timeout_ms: int
    external_url: str

    def receiver(self, name: str) -> Receiver | None:
        return self.receivers.get(name)


def _receivers(config: AlertingConfig) -> dict[str, Receiver]:
    found = {r.name: r for r in receivers_from_channels(config.channels)}
    for index, receiver in enumerate(receivers_from_dicts(config.receivers)):
        if receiver.name in found or receiver.name == NULL_RECEIVER:
            raise ReceiverConfigError(f"receivers[{index}].name", f"{receiver.name!r} is already a channel's name")
        found[receiver.name] = receiver
    return found


def _root(config: AlertingConfig, receivers: Mapping[str, Receiver]) -> dict[str, Any]:
    if config.route is not None:
        return dict(config.route)
    default = "slack" if "slack" in receivers else next(iter(receivers), NULL_RECEIVER)
    return {"receiver": default, "groupBy": list(DEFAULT_GROUP_BY)}


def alerting_setup(config: AlertingConfig) -> AlertingSetup:
    """Raises ValueError naming the field (``route.routes.0.receiver: ...``, ``receivers[1].type: ...``)."""
    rules = compile_rules(config)
    receivers = _receivers(config)
    channels = [(rule.name, tuple(rule.channels)) for rule in config.rules]
    tree = routes_from_rule_channels(channels, _root(config, receivers))
    route = build_route_tree(tree, receivers={*receivers, NULL_RECEIVER})
    inhibit = DEFAULT_INHIBIT_RULES if config.inhibit_rules is None else inhibit_rules_from_config(config.inhibit_rules)
    return AlertingSetup(rules, route, receivers, inhibit, config.resolve_timeout_ms, config.external_url)


def validate_alerting(config: AlertingConfig) -> None:
    alerting_setup(config)
