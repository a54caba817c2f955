from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.alerts.matchers import matches_all
from edgewatch.alerts.routes import (
    Route,
    RouteConfigError,
    RouteOptions,
    build_route_tree,
    routes_from_rule_channels,
)

# The tree of Alertmanager's own dispatch/route_test.go, reduced and in our JSON shape.
TREE: dict[str, Any] = {
    "receiver": "notify-def",
    "groupBy": ["alertname"],
    "routes": [
        {"matchers": ['owner="team-A"'], "receiver": "notify-A", "groupBy": ["..."]},
        {
            "matchers": ['owner="team-B"'],
            "receiver": "notify-B",
            "groupWait": "2m",
            "routes": [
                {"matchers": ['env="prod"'], "receiver": "notify-B-prod", "repeatInterval": "1h"},
            ],
        },
        {
            "matchers": ['owner=~"team-(C|D)"'],
            "receiver": "notify-CD",
            "continue": True,
            "groupBy": ["alertname", "env"],
        },
        {"matchers": ['owner="team-C"'], "receiver": "notify-C"},
        {"matchers": ['owner="team-C"'], "receiver": "never-reached"},
    ],
}

MATCH_CASES = [
    # No child matches: the root itself, with its options.
    ({"owner": "team-X"}, ["notify-def"]),
    # The first matching child wins and stops the search.
    ({"owner": "team-A"}, ["notify-A"]),
    # A child with no matching grandchild matches itself.
    ({"owner": "team-B", "env": "dev"}, ["notify-B"]),
    # Depth first: the grandchild wins over its parent.
    ({"owner": "team-B", "env": "prod"}, ["notify-B-prod"]),
    # continue: the next siblings are tried too, and the first of them without continue stops it.
    ({"owner": "team-C"}, ["notify-CD", "notify-C"]),
    # continue with no later sibling matching: only the continuing route.
    ({"owner": "team-D"}, ["notify-CD"]),
]


@pytest.mark.parametrize(("labels", "receivers"), MATCH_CASES)
def test_match_is_alertmanagers(labels: dict[str, str], receivers: list[str]) -> None:
    tree = build_route_tree(TREE)
    assert [o.receiver for o in tree.match(labels)] == receivers


def test_children_inherit_unset_options() -> None:
    tree = build_route_tree(TREE)
    root = tree.match({})[0]
    assert (root.group_wait_ms, root.group_interval_ms, root.repeat_interval_ms) == (30_000, 300_000, 14_400_000)
    assert root.group_by == ("alertname",) and root.route_key == "{}"
    prod = tree.match({"owner": "team-B", "env": "prod"})[0]
    # groupWait from the parent, repeatInterval its own, groupBy from the root.
    assert (prod.group_wait_ms, prod.repeat_interval_ms, prod.group_by) == (120_000, 3_600_000, ("alertname",))
    assert prod.route_key == '{}/{owner="team-B"}/{env="prod"}'
    assert prod.route_id == '{}/{owner="team-B"}/{env="prod"}/0'
    team_a = tree.match({"owner": "team-A"})[0]
    assert team_a.group_by_all
    assert team_a.group_labels({"owner": "team-A", "x": "1"}) == (("owner", "team-A"), ("x", "1"))
    assert root.group_labels({"alertname": "A", "x": "1"}) == (("alertname", "A"),)


BAD_CONFIGS = [
    # A bad duration deep in the tree names its path.
    ({"receiver": "r", "routes": [{}, {"groupWait": "soon"}]}, "route.routes.1.groupWait"),
    # A bad matcher names its index.
    ({"receiver": "r", "routes": [{"matchers": ["ok=1", "nope"]}]}, "route.routes.0.matchers.1"),
    # An unsafe regex is refused at config time.
    ({"receiver": "r", "routes": [{"matchers": ['x=~"(a+)+"']}]}, "route.routes.0.matchers.0"),
    # The root needs a receiver, has no matchers and no continue.
    ({}, "route.receiver"),
    ({"receiver": "r", "matchers": ["a=b"]}, "route.matchers"),
    ({"receiver": "r", "continue": True}, "route.continue"),
    # Unknown keys (a snake_case spelling, for instance) are named.
    ({"receiver": "r", "group_wait": "30s"}, "route.group_wait"),
    # '...' must be alone in groupBy.
    ({"receiver": "r", "groupBy": ["...", "a"]}, "route.groupBy"),
    ({"receiver": "r", "routes": [{"continue": "yes"}]}, "route.routes.0.continue"),
    ({"receiver": "r", "routes": {"a": 1}}, "route.routes"),
]


@pytest.mark.parametrize(("config", "path"), BAD_CONFIGS)
def test_validation_names_the_path(config: dict[str, Any], path: str) -> None:
    with pytest.raises(RouteConfigError) as info:
        build_route_tree(config)
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}: ")


def test_undefined_receiver() -> None:
    with pytest.raises(RouteConfigError, match=r"route.routes.0.receiver: undefined receiver 'pagerduty'"):
        build_route_tree({"receiver": "slack", "routes": [{"receiver": "pagerduty"}]}, receivers={"slack"})


def test_rule_channels_shorthand() -> None:
    rules = [("High Error Rate", ["slack"]), ("Critical Error Rate", ["slack", "pagerduty"])]
    config = routes_from_rule_channels(rules, {"receiver": "default", "routes": [{"receiver": "ops"}]})
    tree = build_route_tree(config, receivers={"default", "slack", "pagerduty", "ops"})
    # Both channels of the critical rule, then the user's own catch-all route.
    assert [o.receiver for o in tree.match({"alertname": "Critical Error Rate"})] == ["slack", "pagerduty", "ops"]
    assert [o.receiver for o in tree.match({"alertname": "High Error Rate"})] == ["slack", "ops"]
    assert [o.receiver for o in tree.match({"alertname": "Other"})] == ["ops"]
    # Without user routes, an alert of no rule falls back to the root.
    bare = build_route_tree(routes_from_rule_channels(rules, {"receiver": "default"}))
    assert [o.receiver for o in bare.match({"alertname": "Other"})] == ["default"]
    assert config["routes"][0] == {"matchers": ['alertname="High Error Rate"'], "receiver": "slack", "continue": True}


def _match_scanning_every_child(route: Route, labels: dict[str, str]) -> list[RouteOptions]:
    """The definition: Alertmanager's depth-first walk over every child, left to right."""
    if not matches_all(route.matchers, labels):
        return []
    found: list[RouteOptions] = []
    for child in route.routes:
        matched = _match_scanning_every_child(child, labels)
        found.extend(matched)
        if matched and not child.continue_matching:
            break
    return found or [route.options]


_VALUES = st.sampled_from(["", "a", "b", "c"])
_MATCHER = st.builds(
    lambda name, op, value: f'{name}{op}"{value}"',
    st.sampled_from(["alertname", "service", "env"]),
    st.sampled_from(["=", "!=", "=~", "!~"]),
    _VALUES,
)
_ROUTE = st.recursive(
    st.fixed_dictionaries(
        {
            "receiver": st.sampled_from(["r1", "r2"]),
            "matchers": st.lists(_MATCHER, max_size=2),
            "continue": st.booleans(),
        }
    ),
    lambda inner: st.fixed_dictionaries(
        {
            "receiver": st.sampled_from(["r1", "r2"]),
            "matchers": st.lists(_MATCHER, max_size=2),
            "continue": st.booleans(),
            "routes": st.lists(inner, max_size=6),
        }
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    children=st.lists(_ROUTE, max_size=8),
    labels=st.fixed_dictionaries({}, optional={"alertname": _VALUES, "service": _VALUES, "env": _VALUES}),
)
def test_matching_through_the_child_index_is_matching_every_child(children: list[Any], labels: dict[str, str]) -> None:
    # The index skips only children whose equality matcher the labels cannot meet (a missing label
    # is "", and an equality on "" is never indexed): the result is the full walk's, in order.
    tree = build_route_tree({"receiver": "root", "routes": children})
    expected = _match_scanning_every_child(tree, {k: v for k, v in labels.items() if v})
    assert tree.match({k: v for k, v in labels.items() if v}) == expected
    assert tree.match(labels) == _match_scanning_every_child(tree, labels)


def test_a_rule_per_alertname_is_found_without_trying_every_rule() -> None:
    rules = [(f"rule-{i:03d}", ("slack",)) for i in range(500)]
    tree = build_route_tree(routes_from_rule_channels(rules, {"receiver": "slack", "groupBy": ["alertname"]}))
    assert [o.route_key for o in tree.match({"alertname": "rule-250"})] == ['{}/{alertname="rule-250"}']
    assert len(tree._children_for({"alertname": "rule-250"})) == 1
    assert tree.match({"alertname": "other"})[0].route_key == "{}"
