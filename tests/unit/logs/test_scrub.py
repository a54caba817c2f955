from __future__ import annotations

import base64
import json
import re
import time
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from edgewatch.config import ScrubbingConfig
from edgewatch.logs.entry import LogEntry
from edgewatch.logs.scrub import (
    DEFAULT_DENY_KEYS,
    MAX_DEPTH,
    REDACTED,
    TOO_DEEP,
    IpMode,
    Scrubber,
    ScrubRules,
    card_like,
    luhn_valid,
    neutralize,
    normalize_key,
    rules_from_config,
)

GOLDEN = Path(__file__).parent / "golden" / "scrub"
SALT = "golden-salt"
DEFAULT = ScrubRules(hash_salt=SALT)

# The rules each golden file is checked with: the defaults, except where the file is about a mode.
RULES_BY_FILE: dict[str, ScrubRules] = {
    "emails": DEFAULT,
    "cards": DEFAULT,
    "bearer": DEFAULT,
    "jwts": DEFAULT,
    "api_keys": DEFAULT,
    "ip_hash": DEFAULT,
    "ip_mask": replace(DEFAULT, ip_mode="mask"),
    "ip_keep": replace(DEFAULT, ip_mode="keep"),
    "custom": replace(DEFAULT, custom_patterns=(re.compile(r"\bORD-[0-9]{6}\b"), re.compile(r"(?i)internal-[a-z]+"))),
    "keys": DEFAULT,
    "webhooks": DEFAULT,
    "incident_keys": DEFAULT,
    "neutralize": DEFAULT,  # checked with neutralize() alone
}


def _golden_cases() -> list[Any]:
    params = []
    for path in sorted(GOLDEN.glob("*.json")):
        for index, case in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            params.append(pytest.param(path.stem, case, id=f"{path.stem}-{index}"))
    return params


def test_every_golden_file_has_rules() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(RULES_BY_FILE)


@pytest.mark.parametrize(("rule", "case"), _golden_cases())
def test_golden(rule: str, case: dict[str, Any]) -> None:
    assert set(case) == {"in", "out", "why"} and case["why"]
    if rule == "neutralize":
        assert neutralize(case["in"]) == case["out"]
        return
    scrubber = Scrubber(RULES_BY_FILE[rule])
    assert scrubber.scrub_value(case["in"]) == case["out"]
    # Every golden output is a fixed point: scrubbing what was stored changes nothing.
    assert scrubber.scrub_value(case["out"]) == case["out"]


def test_golden_files_hold_positives_and_negatives() -> None:
    for path in GOLDEN.glob("*.json"):
        cases = json.loads(path.read_text(encoding="utf-8"))
        assert any(c["in"] == c["out"] for c in cases), f"{path.name} has no negative case"
        if path.stem != "ip_keep":  # keep mode only has cases that stay as they are
            assert any(c["in"] != c["out"] for c in cases), f"{path.name} has no positive case"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("X-Api-Key", "x_api_key"),
        ("sessionToken", "session_token"),
        ("APIKey", "api_key"),
        ("userID", "user_id"),
        ("cvv2Code", "cvv2_code"),
        ("card[number]", "card_number_"),  # Sentry's form-field spelling
        ("user password", "user_password"),
        ("http.request.header.authorization", "http_request_header_authorization"),
    ],
)
def test_normalize_key(key: str, expected: str) -> None:
    assert normalize_key(key) == expected


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("4111111111111111", True),
        ("4111111111111112", False),
        ("79927398713", True),  # the textbook Luhn example
        ("79927398710", False),
        ("0", True),
    ],
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize(
    ("digits", "card"),
    [
        ("4111111111111111", True),
        ("4222222222222", True),  # 13-digit Visa
        ("5000000000005", False),  # Luhn-valid, but 13 digits are Visa only
        ("2000000000008", False),  # Luhn-valid millisecond timestamp of 2033
        ("2223003122003222", True),  # Mastercard 2-series
        ("2000000000000008", False),  # 2-series prefix outside 2221-2720
        ("1000000000000000009", False),  # Luhn-valid, no issuer starts with 1
        ("411111111111", False),  # 12 digits
        ("41111111111111111113", False),  # 20 digits
    ],
)
def test_card_like(digits: str, card: bool) -> None:
    assert card_like(digits) is card


def test_default_deny_keys_cover_the_brief() -> None:
    for word in ("password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "access_key", "private_key"):
        assert word in DEFAULT_DENY_KEYS
    for word in ("authorization", "auth", "cookie", "session", "sessionid", "csrf", "xsrf", "credential"):
        assert word in DEFAULT_DENY_KEYS
    for word in ("credit_card", "cvv", "cvc", "ssn"):
        assert word in DEFAULT_DENY_KEYS
    scrubber = Scrubber(DEFAULT)
    for key in ("set_cookie", "card_number", "credentials", "sessionid"):
        assert scrubber.key_denied(key), key


def test_rules_from_config_adds_and_removes_keys() -> None:
    cfg = ScrubbingConfig.model_validate(
        {"denyKeys": ["X-Tenant-Secret-Code", "iban"], "allowKeys": ["session", "token_count"], "ipAddresses": "mask"}
    )
    rules = rules_from_config(cfg, hash_salt="s")
    assert {"x_tenant_secret_code", "iban"} <= rules.deny_keys
    assert "session" not in rules.deny_keys
    assert rules.ip_mode == "mask" and rules.hash_salt == "s"
    scrubber = Scrubber(rules)
    assert scrubber.scrub_value({"ibanNumber": "DE89", "session": "s", "token_count": 3, "tokens_used": 5}) == {
        "ibanNumber": REDACTED,
        "session": "s",  # "session" left the deny-list
        "token_count": 3,  # an exact allowed key, while "token" still denies...
        "tokens_used": REDACTED,  # ...every other key that contains it
    }
    assert scrubber.key_denied("session_token")  # still denied through "token"


def test_rules_from_config_flags_and_patterns() -> None:
    cfg = ScrubbingConfig.model_validate(
        {"emails": False, "paymentCards": False, "customPatterns": [r"ACME-\d+"], "ipAddresses": "keep"}
    )
    scrubber = Scrubber(rules_from_config(cfg))
    text = "a@b.io 4111111111111111 203.0.113.7 ACME-42 Bearer abcdefgh12345678"
    assert scrubber.scrub_text(text) == "a@b.io 4111111111111111 203.0.113.7 [REDACTED] Bearer [REDACTED]"


def test_disabled_scrubbing_still_neutralizes() -> None:
    rules = rules_from_config(ScrubbingConfig(enabled=False))
    entry = LogEntry(ts=1, level="info", message="a@b.io password=x\n", service="api", attributes={"password": "p\x1b"})
    Scrubber(rules).scrub_entry(entry)
    assert entry.message == "a@b.io password=x\\n"
    assert entry.attributes == {"password": "p\\x1b"}


@pytest.mark.parametrize(
    ("flag", "text"),
    [
        ("emails", "mail a@b.io"),
        ("payment_cards", "card 4111111111111111"),
        ("bearer_tokens", "Bearer abcdefgh12345678"),
        ("jwts", "jwt eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.sig"),
        ("api_keys", "key AKIAIOSFODNN7EXAMPLE password=x"),
        ("webhook_urls", "post https://hooks.slack.com/services/T0/B0/abcdefABCDEF"),
        ("incident_keys", "routing key: R0123456789abcdef0123456789abcde"),
    ],
)
def test_each_flag_turns_its_rule_off(flag: str, text: str) -> None:
    assert Scrubber(DEFAULT).scrub_text(text) != text
    changes: dict[str, Any] = {flag: False}
    assert Scrubber(replace(DEFAULT, **changes)).scrub_text(text) == text


def test_incident_keys_flag_also_turns_its_deny_keys_off() -> None:
    value = {"routing_key": "k", "X-Routing-Key": "k", "integrationKey": "k", "password": "p"}
    assert Scrubber(DEFAULT).scrub_value(value) == dict.fromkeys(value, REDACTED)
    off = Scrubber(replace(DEFAULT, incident_keys=False)).scrub_value(value)
    assert off == {"routing_key": "k", "X-Routing-Key": "k", "integrationKey": "k", "password": REDACTED}


def test_new_flags_are_read_from_config_and_default_on() -> None:
    assert rules_from_config(ScrubbingConfig()).webhook_urls and rules_from_config(ScrubbingConfig()).incident_keys
    rules = rules_from_config(ScrubbingConfig.model_validate({"webhookUrls": False, "incidentKeys": False}))
    assert not rules.webhook_urls and not rules.incident_keys
    scrubber = Scrubber(rules)
    text = "https://hooks.slack.com/services/T0/B0/abcdefABCDEF routing key R0123456789abcdef0123456789abcde"
    assert scrubber.scrub_text(text) == text
    assert scrubber.scrub_value({"routing_key": "k"}) == {"routing_key": "k"}
    disabled = rules_from_config(ScrubbingConfig(enabled=False))
    assert not disabled.webhook_urls and not disabled.incident_keys
    allowed = Scrubber(rules_from_config(ScrubbingConfig.model_validate({"allowKeys": ["routing_key"]})))
    assert allowed.scrub_value({"routing_key": "k", "integration_key": "k"}) == {
        "routing_key": "k",
        "integration_key": REDACTED,
    }


def test_ip_hash_depends_on_salt_only() -> None:
    a = Scrubber(ScrubRules(hash_salt="one")).scrub_text("203.0.113.7")
    b = Scrubber(ScrubRules(hash_salt="two")).scrub_text("203.0.113.7")
    assert a != b and a.startswith("ip:") and len(a) == 15
    assert Scrubber(ScrubRules(hash_salt="one")).scrub_text("203.0.113.7") == a


def test_scrub_text_does_not_neutralize_but_scrub_value_does() -> None:
    scrubber = Scrubber(DEFAULT)
    assert scrubber.scrub_text("a\nb@c.io") == "a\n[email]"
    assert scrubber.scrub_value("a\nb@c.io") == "a\\n[email]"


def test_control_characters_do_not_hide_a_card_or_a_token() -> None:
    scrubber = Scrubber(DEFAULT)
    assert scrubber.scrub_value("x\n4111111111111111") == "x\\n[card]"
    assert scrubber.scrub_value("\token=0123456789abcdef0123") == "\\token=[api_key]"


def test_scrub_entry() -> None:
    entry = LogEntry(
        ts=1,
        level="error",
        message="login failed for bob@example.com from 203.0.113.7\n[fake] line",
        service="api\x1b[2J",
        trace_id="4bf92f35\n77b34da6",
        span_id="00f067aa\x070ba902b7",
        request_id="req-1\r",
        user_id="u-42\t",
        attributes={"password": "hunter2", "headers": {"Authorization": "Bearer x"}, "path": "/login", "n": 3},
    )
    scrubber = Scrubber(DEFAULT)
    assert scrubber.scrub_entry(entry) is entry
    assert entry.message == "login failed for [email] from ip:dcb837c401e1\\n[fake] line"
    assert entry.service == "api\\x1b[2J"
    assert entry.trace_id == "4bf92f35\\n77b34da6"
    assert entry.span_id == "00f067aa\\x070ba902b7"
    assert entry.request_id == "req-1\\r"
    assert entry.user_id == "u-42\\t"  # kept: an opaque id for search, only neutralized
    assert entry.attributes == {
        "password": REDACTED,
        "headers": {"Authorization": REDACTED},
        "path": "/login",
        "n": 3,
    }


def test_user_id_is_kept_even_when_it_looks_like_pii() -> None:
    entry = LogEntry(ts=1, level="info", message="m", service="s", user_id="bob@example.com")
    Scrubber(DEFAULT).scrub_entry(entry)
    assert entry.user_id == "bob@example.com"


def test_deep_nesting_is_cut_not_kept() -> None:
    value: Any = {"email": "deep@example.com"}
    for _ in range(200):
        value = {"a": [value]}
    out = json.dumps(Scrubber(DEFAULT).scrub_value(value))
    assert "deep@example.com" not in out
    assert TOO_DEEP in out
    shallow: Any = "x@y.io"
    for _ in range(MAX_DEPTH - 1):
        shallow = [shallow]
    assert "[email]" in json.dumps(Scrubber(DEFAULT).scrub_value(shallow))


def test_caches_stay_bounded_and_correct() -> None:
    scrubber = Scrubber(DEFAULT)
    for i in range(10_000):
        assert scrubber.scrub_value({f"k{i}": f"u{i}@example.com", f"password{i}": i}) == {
            f"k{i}": "[email]",
            f"password{i}": REDACTED,
        }
    assert len(scrubber._key_cache) <= 4096 and len(scrubber._text_cache) <= 4096


# Linear time: each must take milliseconds; the deadline is a generous safety net only, the real
# measurement is the ingest benchmark. A quadratic or exponential regex takes minutes on these.
ADVERSARIAL = {
    "email-pairs": "a@" * 50_000,
    "email-long-local": "a" * 100_000 + "@b.io",
    "email-dotted-domain": "a@" + "b." * 50_000,
    "digit-space": "1 " * 50_000,
    "card-prefix-space": "4 " * 50_000,
    "card-groups": "4111 " * 20_000,
    "digits": "4" * 100_000,
    "jwt-dots": "eyJ." * 25_000,
    "jwt-glued": "eyJ" * 33_000,
    "jwt-long-header": "eyJ" + "a" * 100_000,
    "colons": ":" * 100_000,
    "hex-colons": "1:" * 50_000,
    "ipv6-like": "ffff:" * 20_000,
    "dotted-digits": "1." * 50_000,
    "octets": "255." * 25_000,
    "bearer-repeated": "Bearer " * 15_000,
    "bearer-long": "bearer " + "a" * 100_000,
    "bearer-spaces": "bearer" + " " * 100_000,
    "pairs": "key=" * 25_000,
    "pair-long-value": "token=" + "a1" * 50_000,
    "stripe-prefix": "sk_live_" * 12_500,
    "github-prefix": "ghp_" * 25_000,
    "controls": "\x1b\n" * 50_000,
    "slack-hosts": "hooks.slack.com/" * 6_000,
    "slack-services": "https://hooks.slack.com/services/" * 3_000,
    "webhook-secret-long": "https://hooks.slack.com/services/" + "a/" * 50_000,
    "teams-tenants": "a." * 50_000 + "webhook.office.com/webhookb2/x",
    "logic-hosts": "prod-1." * 15_000 + "logic.azure.com/workflows/x",
    "powerplatform-dots": "a." * 50_000 + "powerplatform.com/powerautomate/automations/x",
    "encoded-slashes": "https%3A%2F%2Fhooks.slack.com%2Fservices%2F" + "%2F" * 30_000,
    "escaped-slashes": "https:\\/\\/discord.com\\/api\\/webhooks\\/" + "\\/" * 30_000,
    "routing-keys": "routing key: " * 8_000,
    "routing-key-long-value": "routing_key=" + "a" * 100_000,
    "key-words": "routing_key service_key genie-key " * 3_000,
}


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
@pytest.mark.parametrize("mode", ["hash", "mask"])
def test_adversarial_input_finishes(text: str, mode: IpMode) -> None:
    scrubber = Scrubber(replace(DEFAULT, ip_mode=mode))
    started = time.perf_counter()
    out = scrubber.scrub_value(text)
    assert time.perf_counter() - started < 5.0
    assert isinstance(out, str)


# --- properties -----------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)

# Text made of the pieces the rules look at, to reach their corners more often than random text.
FRAGMENTS = [
    "@",
    ".",
    ":",
    "::",
    "-",
    "_",
    " ",
    "=",
    "/",
    "\n",
    "\t",
    "\x1b",
    "\u2028",
    "eyJ",
    "Bearer ",
    "token=",
    "password=",
    "key=",
    "AKIA",
    "sk_live_",
    "4111",
    "1111",
    "0",
    "1",
    "255",
    "ffff",
    "a",
    "b.io",
    "[",
    "]",
    "https://",
    "hooks.slack.com/services/",
    "discord.com/api/webhooks/",
    "%2F",
    "\\/",
    "routing key: ",
    "integration_key=",
    "0123456789abcdef",
]
rule_text = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_scrub_value_never_raises_and_is_idempotent(value: Any) -> None:
    scrubber = Scrubber(DEFAULT)
    once = scrubber.scrub_value(value)
    json.dumps(once)
    assert Scrubber(DEFAULT).scrub_value(once) == once


@settings(max_examples=500, deadline=None)
@given(rule_text, st.sampled_from(["hash", "mask", "keep"]))
def test_idempotent_on_rule_shaped_text(text: str, mode: IpMode) -> None:
    scrubber = Scrubber(replace(DEFAULT, ip_mode=mode))
    once = scrubber.scrub_value(text)
    assert scrubber.scrub_value(once) == once
    assert scrubber.scrub_value({text: text}) == scrubber.scrub_value(scrubber.scrub_value({text: text}))


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise AssertionError("unreachable")


ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
emails = st.builds(
    lambda local, domain, tld: f"{local}@{domain}.{tld}",
    st.text(ALNUM + "._+", min_size=1, max_size=20),
    st.text(ALNUM + "-", min_size=1, max_size=15).filter(lambda d: not d.startswith("-")),
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6),
)
cards = st.builds(
    lambda prefix, body: _luhn_complete(prefix + body[: 15 - len(prefix)]),
    st.sampled_from(["4", "51", "55", "37", "6011", "65", "2221", "3528"]),
    st.text("0123456789", min_size=15, max_size=15),
).flatmap(
    lambda digits: st.sampled_from(
        [
            digits,
            " ".join(digits[i : i + 4] for i in range(0, 16, 4)),
            "-".join(digits[i : i + 4] for i in range(0, 16, 4)),
        ]
    )
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


jwts = st.builds(
    lambda claims, sig: ".".join((_b64(b'{"alg":"HS256","typ":"JWT"}'), _b64(json.dumps(claims).encode()), _b64(sig))),
    st.dictionaries(st.text(ALNUM, min_size=1, max_size=5), st.text(max_size=10), max_size=4),
    st.binary(min_size=16, max_size=48),
)
TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
HEX = "0123456789abcdef"
_token = st.text(TOKEN_CHARS, min_size=8, max_size=40)
_guid = st.builds(
    lambda h: "-".join((h[:8], h[8:12], h[12:16], h[16:20], h[20:32])), st.text(HEX, min_size=32, max_size=32)
)
_scheme = st.sampled_from(["https://", "http://", "HTTPS://", ""])
webhook_urls = st.one_of(
    st.builds(
        lambda s, kind, a, b, c: f"{s}hooks.slack.com/{kind}/T{a}/B{b}/{c}",
        _scheme,
        st.sampled_from(["services", "workflows", "triggers"]),
        _token,
        _token,
        _token,
    ),
    st.builds(
        lambda s, sub, host, v, i, t: f"{s}{sub}{host}/api/{v}webhooks/{i}/{t}",
        _scheme,
        st.sampled_from(["", "ptb.", "canary."]),
        st.sampled_from(["discord.com", "discordapp.com"]),
        st.sampled_from(["", "v10/"]),
        st.text("0123456789", min_size=17, max_size=19),
        st.text(TOKEN_CHARS + "_-", min_size=60, max_size=68),
    ),
    st.builds(
        lambda s, tenant, g1, g2, h, g3: f"{s}{tenant}.webhook.office.com/webhookb2/{g1}@{g2}/IncomingWebhook/{h}/{g3}",
        _scheme,
        st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=3, max_size=12),
        _guid,
        _guid,
        st.text(HEX, min_size=32, max_size=32),
        _guid,
    ),
    st.builds(
        lambda s, g1, g2: f"{s}outlook.office.com/webhook/{g1}@{g2}/IncomingWebhook/abc/{g1}", _scheme, _guid, _guid
    ),
    st.builds(
        lambda n, region, wid, sig: (
            f"https://prod-{n}.{region}.logic.azure.com:443/workflows/{wid}/triggers/manual/"
            f"paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={sig}"
        ),
        st.integers(min_value=0, max_value=99),
        st.sampled_from(["westus", "westeurope", "eastus2"]),
        st.text(HEX, min_size=32, max_size=32),
        st.text(TOKEN_CHARS + "_-", min_size=43, max_size=43),
    ),
    st.builds(
        lambda space, key, token: f"https://chat.googleapis.com/v1/spaces/{space}/messages?key={key}&token={token}",
        st.text(TOKEN_CHARS, min_size=11, max_size=11),
        _token,
        st.text(TOKEN_CHARS + "_-", min_size=43, max_size=43),
    ),
)
_key_value = st.one_of(st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=32, max_size=32), _guid)
incident_keys = st.builds(
    lambda word, sep, value: (f"{word}{sep}{value}", value),
    st.sampled_from(["routing key", "routing_key", "routingKey", "Routing-Key", "X-Routing-Key", "integration_key",
                     "integrationKey", "Integration Key", "service_key", "GenieKey"]),
    st.sampled_from([": ", "=", " ", '":"', '": "', "='", ":\t"]),
    _key_value,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(webhook_urls, min_size=1, max_size=3), st.sampled_from(["plain", "json", "escaped", "dict"]))
def test_no_generated_webhook_secret_survives(urls: list[str], form: str) -> None:
    if form == "json":
        value: Any = "sending " + json.dumps({"urls": urls, "text": "deploy done"})
    elif form == "escaped":
        value = json.dumps({"urls": urls}).replace("/", "\\/")
    elif form == "dict":
        value = {"config": {f"hook{i}": url for i, url in enumerate(urls)}}
    else:
        value = "notify " + " and ".join(urls) + " failed"
    stored = json.dumps(Scrubber(DEFAULT).scrub_value(value))
    for url in urls:
        secret = url.split("/")[-1].split("sig=")[-1]
        # A host is kept on purpose: a secret that also spells part of some URL's host proves nothing.
        assume(not any(secret in other.split("/")[2] for other in urls))
        assert secret not in stored
        assert "[webhook]" in stored


@settings(max_examples=300, deadline=None)
@given(incident_keys, st.text(HEX, min_size=32, max_size=32), st.sampled_from(["{}", '{{"message": "{}"}}']))
def test_incident_keys_go_and_trace_ids_stay(pair: tuple[str, str], trace_id: str, wrap: str) -> None:
    text, key = pair
    assume(key != trace_id)
    message = wrap.format(f"trace_id={trace_id} enqueue {text} for span 00f067aa0ba902b7")
    stored = Scrubber(DEFAULT).scrub_value({"msg": message, "trace_id": trace_id})
    assert isinstance(stored, dict)
    assert key not in json.dumps(stored)
    assert f"trace_id={trace_id}" in stored["msg"] and stored["trace_id"] == trace_id


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(HEX, min_size=32, max_size=32), min_size=1, max_size=4))
def test_32_hex_values_away_from_the_words_stay(values: list[str]) -> None:
    text = " ".join(f"trace_id={v} request {v} traceparent 00-{v}-00f067aa0ba902b7-01 routing ok" for v in values)
    assert Scrubber(DEFAULT).scrub_text(text) == text


# Filler between secrets: no digits or letters next to them (a card glued to a word is, by design,
# not a card), so that every secret stands on its own as it does in a real message.
filler = st.text(" ,;:()<>[]{}\"'!?\n\t|", max_size=5).map(lambda s: f" {s} ")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(emails, cards, jwts), min_size=1, max_size=5), st.lists(filler, min_size=6, max_size=6))
def test_no_generated_secret_survives(secrets: list[str], gaps: list[str]) -> None:
    message = gaps[0] + "".join(secret + gap for secret, gap in zip(secrets, gaps[1:], strict=False))
    value = {"message": message, "nested": [{"note": message}]}
    stored = json.dumps(Scrubber(DEFAULT).scrub_value(value))
    for secret in secrets:
        assert secret not in stored
        assert json.dumps(secret)[1:-1] not in stored
        if secret[0].isdigit():
            assert secret.replace(" ", "").replace("-", "") not in stored


@given(st.text())
def test_neutralize_leaves_no_control_characters(text: str) -> None:
    out = neutralize(text)
    assert not any(unicodedata.category(c) == "Cc" for c in out)
    assert "\n" not in out and "\r" not in out and "\u2028" not in out and "\u2029" not in out
    assert neutralize(out) == out
    if text.isprintable():
        assert out == text
