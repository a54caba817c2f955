"""PII scrubbing applied to every log entry before it is stored.

After Sentry's server-side scrubbing and Relay's PII rules: a deny-list of sensitive keys whose
values are replaced whole, and value patterns replaced by typed placeholders inside free text
(emails, payment cards, bearer tokens, JWTs, API keys, chat webhook URLs, incident-service routing
keys, IP addresses, the user's own patterns).
``neutralize`` then escapes control characters so that a stored line can neither forge another
line nor drive a terminal.

Every built-in regex runs in linear time on adversarial input: a pattern that can scan a long run
starts only where such a run starts (a look-behind rejects the positions inside it), runs that
cannot be given back are possessive, and no quantified group can split its input in two ways.
Each rule first makes a cheap test (``"@" in text`` and the like) so that ordinary text pays for
a few substring searches and no regex.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .entry import LogEntry

if TYPE_CHECKING:  # pydantic stays out of the hot path's imports
    from ..config import ScrubbingConfig

IpMode = Literal["hash", "mask", "keep"]

REDACTED = "[REDACTED]"
EMAIL = "[email]"
CARD = "[card]"
JWT = "[jwt]"
API_KEY = "[api_key]"
WEBHOOK = "[webhook]"
INCIDENT_KEY = "[incident_key]"
TOO_DEEP = "[too_deep]"  # a container nested deeper than MAX_DEPTH: dropped, never kept unscrubbed
MAX_DEPTH = 32

# Matched as substrings of the normalized key (lower-case snake_case), like Sentry's defaults:
# "user_password", "x_api_key", "aws_access_key_id", "csrftoken" and "phpsessid" are all denied.
# "token" is a substring too, so "tokens_used" and "token_count" are redacted as well: we fail
# closed, as Sentry does; name such a key in allowKeys to keep it (see ScrubRules.allow_keys).
# The short words of SEGMENT_WORDS are matched only as whole segments between underscores.
DEFAULT_DENY_KEYS: frozenset[str] = frozenset(
    {
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "secret",
        "token",
        "bearer",
        "api_key",
        "apikey",
        "access_key",
        "private_key",
        "privatekey",
        "authorization",
        "auth",
        "pass",
        "credential",
        "cookie",
        "session",
        "sessionid",
        "sessid",
        "csrf",
        "xsrf",
        "credit_card",
        "creditcard",
        "card_num",
        "cardnum",
        "cvv",
        "cvc",
        "ssn",
        "social_security",
        "otp",
        "pin",
    }
)

# Words that are also the start or the inside of common harmless keys: "auth" of "author",
# "pass" of "passed", "ssn" of "classname", "otp" of "footprint", "pin" of "ping",
# "session" of "sessions". They match only as a whole segment: "auth" denies "auth",
# "x_auth_token" and "basic_auth" (and "authToken", normalized to "auth_token"), not "author".
SEGMENT_WORDS: frozenset[str] = frozenset({"auth", "pass", "ssn", "otp", "pin", "session"})

# Incident services' routing and integration keys (PagerDuty's routing_key, integration_key and
# Events v1 service_key, Opsgenie's GenieKey), denied under their own flag (ScrubRules.incident_keys).
# "X-Routing-Key" and "routingKey" normalize to "..._routing_key"; "routingkey" has no underscore.
INCIDENT_DENY_KEYS: frozenset[str] = frozenset(
    {
        "routing_key",
        "routingkey",
        "integration_key",
        "integrationkey",
        "service_key",
        "servicekey",
        "genie_key",
        "geniekey",
    }
)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def normalize_key(key: str) -> str:
    """'X-Api-Key' -> 'x_api_key', 'sessionToken' -> 'session_token', 'APIKey' -> 'api_key'."""
    return _NOT_ALNUM.sub("_", _CAMEL.sub("_", key).lower())


@dataclass(frozen=True)
class ScrubRules:
    deny_keys: frozenset[str] = DEFAULT_DENY_KEYS  # normalized words, see DEFAULT_DENY_KEYS
    ip_mode: IpMode = "hash"
    emails: bool = True
    payment_cards: bool = True
    bearer_tokens: bool = True
    jwts: bool = True
    api_keys: bool = True  # known key shapes, and credentials in key=value pairs
    webhook_urls: bool = True  # the secret path of Slack, Discord, Teams, Logic Apps, Google Chat URLs
    incident_keys: bool = True  # routing/integration keys: INCIDENT_DENY_KEYS, and in text near the words
    custom_patterns: tuple[re.Pattern[str], ...] = ()
    hash_salt: str = ""
    # Exact normalized keys that are never redacted although a deny word matches them,
    # e.g. "token_count" while "token" stays denied everywhere else.
    allow_keys: frozenset[str] = field(default_factory=frozenset)


def rules_from_config(cfg: ScrubbingConfig, hash_salt: str = "") -> ScrubRules:
    """The config's denyKeys are added to the defaults and its allowKeys removed from them (and kept
    as exact keys never redacted). With scrubbing disabled only ``neutralize`` remains."""
    if not cfg.enabled:
        return ScrubRules(
            deny_keys=frozenset(),
            ip_mode="keep",
            emails=False,
            payment_cards=False,
            bearer_tokens=False,
            jwts=False,
            api_keys=False,
            webhook_urls=False,
            incident_keys=False,
            hash_salt=hash_salt,
        )
    allow = frozenset(filter(None, (normalize_key(k).strip("_") for k in cfg.allow_keys)))
    added = frozenset(filter(None, (normalize_key(k).strip("_") for k in cfg.deny_keys)))
    return ScrubRules(
        deny_keys=(DEFAULT_DENY_KEYS | added) - allow,
        ip_mode=cfg.ip_addresses,
        emails=cfg.emails,
        payment_cards=cfg.payment_cards,
        bearer_tokens=cfg.bearer_tokens,
        jwts=cfg.jwts,
        api_keys=cfg.api_keys,
        webhook_urls=cfg.webhook_urls,
        incident_keys=cfg.incident_keys,
        custom_patterns=tuple(re.compile(p) for p in cfg.custom_patterns),
        hash_salt=hash_salt,
        allow_keys=allow,
    )


# --- neutralize --------------------------------------------------------------------------------


def _escape(code: int) -> str:
    named = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
    if code in named:
        return named[code]
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


# C0, DEL and C1 controls, plus the Unicode line and paragraph separators (line breaks to JSON
# readers and some viewers) and the bidirectional overrides and isolates, which can make a line
# display as something else ("Trojan Source").
_CONTROL_CODES = (
    *range(0x20),
    0x7F,
    *range(0x80, 0xA0),
    0x2028,
    0x2029,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
)
_NEUTRALIZE = {code: _escape(code) for code in _CONTROL_CODES}


def neutralize(text: str) -> str:
    """Control characters as visible escapes: 'a\\nb' (a real newline) -> 'a\\\\nb', ESC -> '\\\\x1b'.

    A backslash is left as it is, so the result reads naturally and a second pass changes nothing;
    the escapes are for display and are not meant to be reversed.
    """
    if text.isprintable():  # C speed; False for every code we escape
        return text
    return text.translate(_NEUTRALIZE)


# --- value patterns ----------------------------------------------------------------------------

# "Bearer <token>": the RFC 6750 token alphabet, at least 8 characters so that prose such as
# "the bearer of bad news" is left alone (no issuer hands out shorter bearer tokens).
_BEARER = re.compile(r"\b(bearer[ \t]++)[A-Za-z0-9\-._~+/]{8,}+=*+", re.IGNORECASE)

# Three base64url segments, the first a JSON header ("eyJ" is base64 of '{"'). The signature may
# be empty (alg "none"). Starts only where a base64url run starts.
_JWT = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}+\.[A-Za-z0-9_-]{2,}+\.[A-Za-z0-9_-]*+")

# Key shapes with a fixed prefix, as secret scanners (gitleaks, GitHub's) know them.
_KEY_SHAPES = re.compile(
    r"(?<![A-Za-z0-9_-])(?:"
    r"[spr]k_(?:live|test)_[0-9A-Za-z]{10,}+"  # Stripe secret, publishable, restricted
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])"  # AWS access key id (long-term, temporary)
    r"|gh[pousr]_[0-9A-Za-z]{36,}+"  # GitHub tokens
    r"|github_pat_[0-9A-Za-z_]{22,}+"  # GitHub fine-grained token
    r"|glpat-[0-9A-Za-z_-]{20,}+"  # GitLab personal access token
    r"|xox[abposr]-[0-9A-Za-z-]{10,}+"  # Slack
    r"|AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"  # Google API key
    r"|npm_[0-9A-Za-z]{36}(?![0-9A-Za-z])"  # npm token
    r")"
)

# Credentials in query strings and key=value text: the parameter name's ending decides.
# "...password=x", "...secret=x" -> the value is redacted whatever it is; "...key=", "...token=",
# "...sig=", "...signature=" -> only a long hex/base64 value (so "cache key=users" stays).
_PAIR = re.compile(r"(key|token|secret|passw(?:or)?d|sig(?:nature)?)=([^\s&#\"'<>,;]++)", re.IGNORECASE)
_LONG_OPAQUE = re.compile(r"(?=[^0-9]*[0-9])[A-Za-z0-9+/_.~=%-]{16,}")
_ALWAYS_SECRET = frozenset({"secret", "password", "passwd"})

# Chat webhook URLs carry their secret in the path (or, for Logic Apps and Google Chat, in the
# query): whoever has the URL can post. Group 1 is what is kept, the scheme, host and the fixed
# start of the path; the rest of the URL becomes [webhook]. A slash may be JSON-escaped ("\/") or
# percent-encoded ("%2F"), as when the URL sits in a JSON string or a query string. Each host
# starts only where a host can start, and the secret part is one possessive run that ends at a
# blank, a quote, a backslash that escapes anything but "/", or prose punctuation (",;|()[]{}";
# so "[webhook]" itself is never matched again).
_SL = r"(?:/|\\/|%2[fF])"
_SCHEME = rf"(?:https?(?::|%3[aA]){_SL}{_SL})?"
_HOST_START = r"(?:(?<![A-Za-z0-9_.-])|(?<=%2[fF]))"
_WEBHOOK = re.compile(
    rf"({_HOST_START}{_SCHEME}(?:"
    rf"hooks\.slack(?:-gov)?\.com{_SL}(?:services|workflows|triggers)"  # Slack incoming webhooks, workflows
    rf"|(?:(?:ptb|canary)\.)?discord(?:app)?\.com{_SL}api(?:{_SL}v[0-9]{{1,2}})?{_SL}webhooks"  # Discord
    rf"|[A-Za-z0-9-]{{1,63}}\.webhook\.office\.com{_SL}webhookb2"  # Teams connectors
    rf"|outlook\.office(?:365)?\.com{_SL}webhook(?:b2)?"  # Teams, the old host
    rf"|[A-Za-z0-9-]{{1,63}}\.[A-Za-z0-9-]{{1,63}}\.logic\.azure\.com(?::[0-9]{{1,5}})?{_SL}workflows"  # Logic Apps
    rf"|[A-Za-z0-9.-]{{1,200}}\.powerplatform\.com(?::[0-9]{{1,5}})?{_SL}powerautomate{_SL}automations"  # Flows
    rf"|chat\.googleapis\.com{_SL}v1{_SL}spaces"  # Google Chat: key= and token= in the query
    rf"){_SL})(?:[^\s\"'<>`\\,;|()\[\]{{}}]|\\/)++",
    re.IGNORECASE,
)
_WEBHOOK_HINTS = ("slack", "SLACK", "discord", "DISCORD", "ebhook", "EBHOOK", "logic.azure", "LOGIC.AZURE",
                  "powerplatform", "POWERPLATFORM", "chat.googleapis", "CHAT.GOOGLEAPIS")  # fmt: skip


def _webhook_sub(match: re.Match[str]) -> str:
    kept, secret = match.group(1), match.group()[len(match.group(1)) :]
    if "%2" in kept:  # a percent-encoded URL ends at the "&" of the query string it sits in
        _, amp, rest = secret.partition("&")
        return f"{kept}{WEBHOOK}{amp}{rest}"
    return kept + WEBHOOK


# A routing or integration key next to its name in free text: "routing key: R0123...",
# "integration_key=...", '"routing_key":"..."', "X-Routing-Key: ...". Only near the words: a 32-hex
# trace id elsewhere stays. The value is an Opsgenie GUID or a PagerDuty-style opaque run (32
# characters of [a-z0-9] for PagerDuty, bounded to 20-64 here).
_INCIDENT_KEY = re.compile(
    r"((?<![A-Za-z0-9])(?:routing|integration|service|genie)[ _-]?key(?![A-Za-z0-9])[\"']?+[ \t]*+[:=]?[ \t]*+[\"']?+)"
    r"(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[A-Za-z0-9]{20,64})"
    r"(?![A-Za-z0-9-])",
    re.IGNORECASE,
)

# Emails: the common local-part alphabet (no '=' or '/', so "email=a@b.io" keeps "email="),
# bounded to the RFC's 64 characters, and a dotted domain ending in letters ("pkg@1.2.3" is not
# an email). At most 64 start positions per '@' can reach it: linear.
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}+\.)+[A-Za-z]{2,63}+")

# A run of digits joined by single spaces or dashes with at least 13 digits, taken whole
# (possessive) from its first digit; the look-behinds, after that digit so that the engine can skip
# ahead to digits, keep it from starting inside a run. _card_sub then checks windows of its groups.
_CARD_SPAN = re.compile(r"[0-9](?<![0-9][0-9])(?<![0-9][ -][0-9])(?:[ -]?[0-9]){12,}+")
_DIGIT_GROUP = re.compile(r"[0-9]+")
_DIGITS = b"0123456789"
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

# IPv4: four dotted numbers, not part of a longer dotted or digit run ("1.2.3.4.5", "1.2.3.4000"),
# and not a product version in a user agent ("Chrome/120.0.0.0"); the callback then requires valid
# octets without leading zeros ("1.2.3.400" and "01.2.3.4" are kept). A bare four-part version
# "1.2.3.4" cannot be told from an address: it is treated as one.
_IPV4 = re.compile(
    r"[0-9](?<![A-Za-z0-9_.][0-9])(?<![A-Za-z]/[0-9])[0-9]{0,2}+"
    r"\.[0-9]{1,3}+\.[0-9]{1,3}+\.[0-9]{1,3}+(?![0-9])(?!\.[0-9])"
)


def _valid_ipv4(text: str) -> bool:
    return all(part == "0" or (part[0] != "0" and int(part) <= 255) for part in text.split("."))


# IPv6 candidates (hex groups between colons, maybe an IPv4 tail), validated by ipaddress.
# Each group starts with a colon, which no group contains, so a failed match backs off in a
# bounded number of steps.
_IPV6 = re.compile(
    r"(?<![A-Za-z0-9_:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
    r"(?:(?<=:)(?:[0-9]{1,3}\.){3}[0-9]{1,3})?(?![A-Za-z0-9_:])(?!\.[0-9])"
)
_HAS_DIGIT = re.compile(r"[0-9]")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_like(digits: str) -> bool:
    """13-19 digits with a payment issuer's first digit (and length) that pass the Luhn check.

    Issuers start with 2 (Mastercard 2221-2720, 16 digits), 3 (Amex, Diners, JCB), 4 (Visa; the
    only 13-digit cards), 5 or 6. Millisecond timestamps (13 digits starting with 1, or with 2
    from 2033) and micro/nanosecond ones (starting with 1) are therefore never cards.
    """
    length = len(digits)
    if not 13 <= length <= 19:
        return False
    first = digits[0]
    if first == "2":
        if length != 16 or not 2221 <= int(digits[:4]) <= 2720:
            return False
    elif first not in "3456" or (length == 13 and first != "4"):
        return False
    return luhn_valid(digits)


def _glued(text: str, at: int, step: int) -> bool:
    """Whether the character at ``at`` joins a digit group to a word or to a decimal number."""
    if not 0 <= at < len(text):
        return False
    char = text[at]
    if char in _ASCII_LETTERS:
        return True
    after = at + step
    return char == "." and 0 <= after < len(text) and text[after] in "0123456789"


def _card_sub(match: re.Match[str]) -> str:
    """Cards in a run of digit groups: each window of whole groups with 13-19 digits, longest first
    from the left. A card followed by its CVV ("4111 1111 1111 1111 123") or preceded by a reference
    number is found. Several groups join only when each has 3 to 6 digits, as cards are printed
    (4-4-4-4, 4-6-5): single digits spaced out, or a UUID's 8-4-4-4-12, are never read as one.
    A group glued to letters or to a decimal point ("a716", "v2", "0.4111...") is part of a word or
    a number, and no card."""
    span = match.group()
    groups = [(g.start(), g.end()) for g in _DIGIT_GROUP.finditer(span)]
    first = 1 if _glued(match.string, match.start() - 1, -1) else 0
    stop = len(groups) - 1 if _glued(match.string, match.end(), 1) else len(groups)
    out: list[str] = []
    done = 0  # span[:done] is in out
    i = first
    while i < stop:
        ends: list[int] = []
        total = 0
        for j in range(i, stop):
            size = groups[j][1] - groups[j][0]
            if j > i and not (3 <= size <= 6 and 3 <= groups[i][1] - groups[i][0] <= 6):
                break
            total += size
            if total > 19:
                break
            if total >= 13:
                ends.append(j)
        for j in reversed(ends):
            start, end = groups[i][0], groups[j][1]
            if card_like(span[start:end].replace(" ", "").replace("-", "")):
                out += (span[done:start], CARD)
                done = end
                i = j
                break
        i += 1
    if not out:
        return span
    out.append(span[done:])
    return "".join(out)


def _pair_sub(match: re.Match[str]) -> str:
    name, value = match.group(1), match.group(2)
    if name.lower() in _ALWAYS_SECRET:
        return f"{name}={REDACTED}"
    if _LONG_OPAQUE.fullmatch(value):
        return f"{name}={API_KEY}"
    return match.group()


class Scrubber:
    def __init__(self, rules: ScrubRules) -> None:
        self.rules = rules
        patterns = []
        words = set(rules.deny_keys)
        if rules.incident_keys:
            words |= INCIDENT_DENY_KEYS - rules.allow_keys
        for word in sorted({normalize_key(w).strip("_") for w in words} - {""}):
            escaped = re.escape(word)
            patterns.append(rf"(?<![a-z0-9]){escaped}(?![a-z0-9])" if word in SEGMENT_WORDS else escaped)
        self._deny = re.compile("|".join(patterns)) if patterns else None
        self._allow = frozenset(normalize_key(k).strip("_") for k in rules.allow_keys)
        self._custom = rules.custom_patterns
        self._digit_rules = rules.payment_cards or rules.ip_mode != "keep"
        # Bounded memos: keys and short strings repeat across entries (routes, user agents, status
        # words); each is cleared when full, so hostile input cannot grow them.
        self._key_cache: dict[str, tuple[str, bool]] = {}
        self._text_cache: dict[str, str] = {}
        self._ip_cache: dict[str, str] = {}

    def key_denied(self, key: str) -> bool:
        return self._key(key)[1]

    def scrub_text(self, text: str) -> str:
        """Replace the value patterns found in free text by their placeholders."""
        rules = self.rules
        for pattern in self._custom:
            text = pattern.sub(REDACTED, text)
        if rules.webhook_urls and any(hint in text for hint in _WEBHOOK_HINTS):
            text = _WEBHOOK.sub(_webhook_sub, text)
        if rules.incident_keys and ("ey" in text or "EY" in text):
            text = _INCIDENT_KEY.sub(rf"\1{INCIDENT_KEY}", text)
        if rules.bearer_tokens and ("earer" in text or "EARER" in text):
            text = _BEARER.sub(rf"\1{REDACTED}", text)
        if rules.jwts and "eyJ" in text:
            text = _JWT.sub(JWT, text)
        if rules.api_keys:
            if (
                "AKIA" in text
                or "ASIA" in text
                or "AIza" in text
                or (
                    ("_" in text or "-" in text)  # in every other shape
                    and (
                        "k_live_" in text
                        or "k_test_" in text
                        or "gh" in text
                        or "glpat-" in text
                        or "xox" in text
                        or "npm_" in text
                    )
                )
            ):
                text = _KEY_SHAPES.sub(API_KEY, text)
            if "=" in text:
                text = _PAIR.sub(_pair_sub, text)
        if rules.emails and "@" in text:
            text = _EMAIL.sub(EMAIL, text)
        if self._digit_rules and len(text) >= 3:
            encoded = text.encode("utf-8", "surrogatepass")
            digits = len(encoded) - len(encoded.translate(None, _DIGITS))
            if rules.payment_cards and digits >= 13:
                text = _CARD_SPAN.sub(_card_sub, text)
            if rules.ip_mode != "keep" and digits:
                if "::" in text or text.count(":") >= 7:
                    text = _IPV6.sub(self._ipv6_sub, text)
                if digits >= 4 and "." in text:
                    text = _IPV4.sub(self._ipv4_sub, text)
        return text

    def scrub_value(self, value: object, depth: int = 0) -> object:
        """Dicts at any depth (a denied key's value becomes "[REDACTED]" whatever it is), lists,
        and strings (scrubbed, then neutralized; so are string keys). Other values are kept."""
        if isinstance(value, str):
            return self._string(value)
        if isinstance(value, dict):
            return TOO_DEEP if depth >= MAX_DEPTH else self._scrub_dict(value, depth)
        if isinstance(value, list | tuple):
            if depth >= MAX_DEPTH:
                return TOO_DEEP
            return [self.scrub_value(item, depth + 1) for item in value]
        return value

    def scrub_entry(self, entry: LogEntry) -> LogEntry:
        """Scrub the message and attributes in place; neutralize the service and the ids, which are
        otherwise kept as they are (user_id is an opaque id that search needs)."""
        entry.message = self._string(entry.message)
        # neutralize() inlined: ids are almost always printable, and this runs for every entry.
        if not entry.service.isprintable():
            entry.service = entry.service.translate(_NEUTRALIZE)
        trace_id, span_id, request_id, user_id = entry.trace_id, entry.span_id, entry.request_id, entry.user_id
        if trace_id is not None and not trace_id.isprintable():
            entry.trace_id = trace_id.translate(_NEUTRALIZE)
        if span_id is not None and not span_id.isprintable():
            entry.span_id = span_id.translate(_NEUTRALIZE)
        if request_id is not None and not request_id.isprintable():
            entry.request_id = request_id.translate(_NEUTRALIZE)
        if user_id is not None and not user_id.isprintable():
            entry.user_id = user_id.translate(_NEUTRALIZE)
        if entry.attributes:
            entry.attributes = self._scrub_dict(entry.attributes, 0)
        return entry

    def _scrub_dict(self, value: dict[Any, Any], depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        key_cache = self._key_cache
        text_cache = self._text_cache
        for key, item in value.items():
            if type(key) is str:
                judged = key_cache.get(key)
                shown, denied = judged if judged is not None else self._key(key)
                if denied:
                    out[shown] = REDACTED
                    continue
            else:
                shown = key
            kind = type(item)
            if kind is str:
                done = text_cache.get(item)
                out[shown] = done if done is not None else self._string(item)
            elif kind is int or kind is float or kind is bool or item is None:
                out[shown] = item
            else:
                out[shown] = self.scrub_value(item, depth + 1)
        return out

    def _key(self, key: str) -> tuple[str, bool]:
        """The key as it will be shown, and whether it is denied, judged as sent and as shown
        (TAB + "oken" is shown as a backslash + "token")."""
        judged = self._key_cache.get(key)
        if judged is None:
            shown = neutralize(key)
            denied = self._denied(key) or (shown is not key and self._denied(shown))
            judged = (shown, denied)
            if len(self._key_cache) >= 4096:
                self._key_cache.clear()
            self._key_cache[key] = judged
        return judged

    def _denied(self, key: str) -> bool:
        if self._deny is None:
            return False
        normalized = normalize_key(key)
        return normalized.strip("_") not in self._allow and self._deny.search(normalized) is not None

    def _string(self, text: str) -> str:
        if len(text) <= 256:
            done = self._text_cache.get(text)
            if done is None:
                done = self._scrub_and_neutralize(text)
                if len(self._text_cache) >= 4096:
                    self._text_cache.clear()
                self._text_cache[text] = done
            return done
        return self._scrub_and_neutralize(text)

    def _scrub_and_neutralize(self, text: str) -> str:
        # Scrub before escaping, or the escape of a newline would glue an "n" to a card number that
        # follows it; and again after, if anything was escaped, since an escape can complete a
        # pattern: TAB + "oken=..." is shown as a backslash + "token=...".
        scrubbed = self.scrub_text(text)
        shown = neutralize(scrubbed)
        return scrubbed if shown is scrubbed else self.scrub_text(shown)

    def _hash_ip(self, canonical: str) -> str:
        return "ip:" + hashlib.sha256((self.rules.hash_salt + canonical).encode("utf-8")).hexdigest()[:12]

    def _ipv4_sub(self, match: re.Match[str]) -> str:
        text = match.group()
        done = self._ip_cache.get(text)
        if done is None:
            if not _valid_ipv4(text):
                done = text
            elif self.rules.ip_mode == "mask":
                done = text.rpartition(".")[0] + ".0"
            else:
                done = self._hash_ip(text)  # valid octets without leading zeros: canonical already
            self._remember_ip(text, done)
        return done

    def _ipv6_sub(self, match: re.Match[str]) -> str:
        text = match.group()
        done = self._ip_cache.get(text)
        if done is None:
            done = self._ipv6(text)
            self._remember_ip(text, done)
        return done

    def _ipv6(self, candidate: str) -> str:
        if _HAS_DIGIT.search(candidate) is None:  # "::", "abc::def": no address has no digit
            return candidate
        try:
            address = ipaddress.IPv6Address(candidate)
        except ValueError:
            return candidate  # a time, a MAC address, "a:b:c"
        mapped = address.ipv4_mapped
        if self.rules.ip_mode == "hash":
            # One hash per address however it is spelled; an IPv4-mapped address (a dual-stack
            # socket's view of an IPv4 client) hashes as that IPv4 address. Not str(address) for
            # those: Python 3.13 changed how it prints them, and CPython and Pyodide must agree.
            return self._hash_ip(str(mapped) if mapped is not None else str(address))
        if mapped is not None:  # ::ffff:192.0.2.128 -> ::ffff:192.0.2.0, as IPv4 is masked
            return "::ffff:" + str(ipaddress.IPv4Network((mapped, 24), strict=False).network_address)
        return str(ipaddress.IPv6Network((address, 48), strict=False).network_address)

    def _remember_ip(self, text: str, done: str) -> None:
        if len(self._ip_cache) >= 4096:
            self._ip_cache.clear()
        self._ip_cache[text] = done
