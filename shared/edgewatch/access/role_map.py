"""Who gets which role when signed in through Cloudflare Access: per role a list of rules, each an
e-mail address (``ana@pitchey.com``), every address of a domain (``*@pitchey.com``) or a group named
in the token's ``groups`` claim (``group:oncall``). The highest role with a matching rule wins; a
signed-in person no rule names has no role (403)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .roles import Role


def check_rule(rule: str) -> str:
    text = rule.strip().lower()
    if text.startswith("group:") and len(text) > 6:
        return text
    local, at, domain = text.partition("@")
    if at and domain and "." in domain and (local == "*" or (local and "*" not in local)):
        return text
    raise ValueError(f"{rule[:80]!r} must be an e-mail address, *@domain or group:<name>")


def _matches(rule: str, email: str | None, groups: Sequence[str]) -> bool:
    if rule.startswith("group:"):
        return rule[6:] in {g.lower() for g in groups}
    if email is None:
        return False
    if rule.startswith("*@"):
        return email.endswith(rule[1:])
    return email == rule


def role_for(rules: Mapping[Role, Sequence[str]], email: str | None, groups: Sequence[str]) -> Role | None:
    for role in sorted(rules, reverse=True):
        if any(_matches(rule, email, groups) for rule in rules[role]):
            return role
    return None
