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
from dataclasses import dataclass, field, replace
from typing import Any

from ..config import AlertingConfig, AlertSources
from .inhibit import DEFAULT_INHIBIT_RULES, InhibitRule, inhibit_rules_from_config
from .model import LabelSet
from .receivers import Receiver, ReceiverConfigError, receivers_from_channels, receivers_from_dicts
from .routes import Route, RouteConfigError, RouteOptions, build_route_tree, routes_from_rule_channels
from .ruleconfig import CompiledRule, compile_rules
from .sources import DEAD_LETTERED, ORIGIN, Origin

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
    sources: AlertSources = field(default_factory=AlertSources)

    def receiver(self, name: str) -> Receiver | None:
        return self.receivers.get(name)

    def targets(self, labels: LabelSet) -> list[RouteOptions]:
        """Where an alert goes: the route tree, except that the stack's own alerts go to
        ``sources.stackReceiver`` when set, and a dead-letter alert never to the receiver it is about
        (then to the stack receiver, the root's, or any other receiver, in that order)."""
        values = dict(labels)
        stack = self.sources.stack_receiver
        if values.get(ORIGIN) == Origin.STACK.value and stack is not None:
            found = [replace(self.route.options, receiver=stack, route_key="{}/stack", route_id="{}/stack")]
        else:
            found = self.route.match(labels)
        avoid = values.get("receiver") if values.get("alertname") == DEAD_LETTERED else None
        if avoid is None:
            return found
        kept = [t for t in found if t.receiver != avoid]
        if kept:
            return kept
        for name in (stack, self.route.options.receiver, *self.receivers):
            if name is not None and name != avoid:
                return [replace(self.route.options, receiver=name, route_key="{}/fallback", route_id="{}/fallback")]
        return []


def configured_receivers(config: AlertingConfig) -> dict[str, Receiver]:
    """The seed's channels and ``receivers`` by name; ReceiverConfigError names a bad field."""
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
    receivers = configured_receivers(config)
    channels = [(rule.name, tuple(rule.channels)) for rule in config.rules]
    tree = routes_from_rule_channels(channels, _root(config, receivers))
    route = build_route_tree(tree, receivers={*receivers, NULL_RECEIVER})
    inhibit = DEFAULT_INHIBIT_RULES if config.inhibit_rules is None else inhibit_rules_from_config(config.inhibit_rules)
    stack = config.sources.stack_receiver
    if stack is not None and stack not in receivers:
        raise RouteConfigError("sources.stackReceiver", f"{stack!r} is not a configured receiver")
    return AlertingSetup(
        rules, route, receivers, inhibit, config.resolve_timeout_ms, config.external_url, config.sources
    )


def validate_alerting(config: AlertingConfig) -> None:
    alerting_setup(config)
