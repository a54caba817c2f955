"""Cross-site scripting: markup or script URLs that would run if reflected into a page.

Harmless rich text passes (``<p><b>bold</b> <a href="https://x.com">link</a></p>``); what scores is
what executes: a ``<script>`` tag, an event-handler attribute (``onerror=``, ``/onload=``), a
``javascript:``/``vbscript:`` or ``data:text/html`` URL in an attribute or as the whole value, CSS
``expression(``, a break-out of a quoted attribute into a handler, a break-out of a JavaScript
string into a call, and client-side template injection. Attribute values are read the way a
browser reads them: HTML entities decoded and tabs, newlines and control characters dropped
(``jav&#x09;ascript:``). JavaScript escapes (``\\u003cscript``) are undone and the markup scanned
again; ``srcdoc`` is scanned as the document it is.

Tags are found by splitting at ``<``, so each character is looked at a bounded number of times
whatever the input (``<<<<``, ``<a<a<a``, a tag without ``>``).
"""

from __future__ import annotations

import html
import re

from .findings import Finding, ThreatClass

_CONTENT_TAGS = frozenset({"script", "style"})
_TAG = re.compile(r"<(/?)([a-z][\w:-]*)")
_HANDLER = re.compile(r"(?:^|[\s/\"'`;])(on[a-z]{3,30})\s*=")
_ATTRIBUTE = re.compile(r"(?<![\w:-])([a-z][\w:-]*)\s*=\s*(?:\"([^\"]*)\"?|'([^']*)'?|`([^`]*)`?|([^\s>]*))")
_CONTROL = re.compile(r"[\x00-\x20]+")
_URL_NOISE = re.compile(r"[\x00-\x1f]+")  # browsers drop tabs and newlines anywhere in a URL
_SCRIPT_URL = re.compile(r"(?:java|vb|live)script:")
_DATA_URL = re.compile(r"data:(?:text/html|text/xml|image/svg\+xml|application/(?:x-)?(?:javascript|xhtml))")
_CSS = re.compile(r"expression\s*\(|-moz-binding|behavior\s*:|(?:java|vb)script:|@import")
# Tag-less shapes, for a value reflected inside an attribute or a script.
_TAGLESS_URL = re.compile(r"^[\"'`]?(?:java|vb|live)script:(.*)", re.DOTALL)
_CALL = re.compile(r"[\w$\])}'\"]\(|`|[\w$\]]\s*=[^=]")
_ATTRIBUTE_URL = re.compile(
    r"(?:href|src|action|formaction|data|to|from|values)[\x00-\x20]*+=[\x00-\x20]*+[\"'`]?[\x00-\x20]*+(?:java|vb)script:"
)
_ATTRIBUTE_BREAKOUT = re.compile(
    r"[\"'`][\s/]++(?:[^<>\"'`]{0,64}?[\s/])?"
    r"on(?!ce\b|ly\b|to\b|es\b|set\b|line\b|wards?\b|going\b|ion\b|ions\b)[a-z]{3,30}\s*="
)
_JS_BREAKOUT = re.compile(
    r"[\"'`]\s*(?:[-+*|&^]|\)\s*[-+*|&^])\s*(?:alert|prompt|confirm|eval|fetch|import|document\s*\.|window\s*\.)"
    r"|[\"']\s*;\s*(?:alert|prompt|confirm|eval)\s*\([^;]{0,80}?\)\s*;?\s*(?://|<!--|$)"
)
_TEMPLATE = re.compile(r"\{\{[^{}]{0,200}?(?:constructor|\$eval|\$on\b|alert\s*\(|\$\{)|\$\{\s*alert\s*\(")
_JS_ESCAPE = re.compile(r"\\(?:u\{([0-9a-f]{1,6})\}|u([0-9a-f]{4})|x([0-9a-f]{2}))")


def _js_unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2) or match.group(3), 16)
        return chr(code) if code < 0x110000 else match.group(0)

    return _JS_ESCAPE.sub(one, text)


def _attribute_value(raw: str) -> str:
    """An attribute value as the browser uses it: entities decoded, controls and spaces dropped."""
    if "&" in raw:
        raw = html.unescape(raw)
    return _CONTROL.sub("", raw).lower()


def _scan_tags(text: str, out: dict[str, Finding], nested: bool) -> None:
    for tag in _TAG.finditer(text):
        if tag.group(1):
            continue  # a closing tag runs nothing
        name = tag.group(2)
        if name not in _CONTENT_TAGS and not text.startswith(("=", " ", "/", "\t", "\n", "\r", "\f"), tag.end()):
            continue  # "<a<a<a", "<b>": no attributes, nothing to run
        next_tag = text.find("<", tag.end())
        segment_end = len(text) if next_tag < 0 else next_tag
        close = text.find(">", tag.end(), segment_end)
        body = text[tag.end() : segment_end if close < 0 else close]
        start, end = tag.start(), segment_end if close < 0 else close + 1

        def hit(rule: str, score: float, start: int = start, end: int = end) -> None:
            out.setdefault(rule, Finding(rule, ThreatClass.XSS, score, start, end))

        if name == "script":
            hit("xss.script_tag", 95)
        elif name == "style" and close >= 0 and _CSS.search(text, close, segment_end):
            hit("xss.css_script", 80)
        if _HANDLER.search(body):
            hit("xss.event_handler", 90)
        for attribute in _ATTRIBUTE.finditer(body):
            raw = next(g for g in attribute.groups()[1:] if g is not None)
            value = _attribute_value(raw)
            if _SCRIPT_URL.search(value):
                hit("xss.script_url", 90)
            elif _DATA_URL.search(value):
                hit("xss.data_url", 80)
            attr = attribute.group(1)
            if attr == "style" and _CSS.search(value):
                hit("xss.css_script", 80)
            elif attr == "srcdoc" and not nested and "<" in (decoded := html.unescape(raw).lower()):
                _scan_tags(decoded, out, nested=True)


def scan(text: str) -> list[Finding]:
    """XSS findings in one decoded, lower-cased value."""
    out: dict[str, Finding] = {}
    if "<" in text:
        _scan_tags(text, out, nested=False)
    if "\\" in text and (unescaped := _js_unescape(text)) != text and "<" in unescaped:
        _scan_tags(unescaped, out, nested=True)
    if "script" in text or "&" in text:
        head = text[:512]
        head = _URL_NOISE.sub("", html.unescape(head) if "&" in head else head).lstrip()
        url = _TAGLESS_URL.match(head)
        if url and _CALL.search(url.group(1)):
            out.setdefault("xss.script_url", Finding("xss.script_url", ThreatClass.XSS, 90, 0, min(len(text), 64)))
    if "data:" in text and _DATA_URL.match(text.lstrip(" \t\r\n\"'`")):
        out.setdefault("xss.data_url", Finding("xss.data_url", ThreatClass.XSS, 80, 0, min(len(text), 64)))
    if "script:" in text:
        _tagless(out, "xss.script_url", _ATTRIBUTE_URL, 90, text)
    if "'" in text or '"' in text or "`" in text:
        if "on" in text:
            _tagless(out, "xss.attribute_breakout", _ATTRIBUTE_BREAKOUT, 80, text)
        _tagless(out, "xss.script_breakout", _JS_BREAKOUT, 80, text)
    if "{{" in text or "${" in text:
        _tagless(out, "xss.template_injection", _TEMPLATE, 80, text)
    return list(out.values())


def _tagless(out: dict[str, Finding], rule: str, pattern: re.Pattern[str], score: float, text: str) -> None:
    if rule not in out and (match := pattern.search(text)):
        out[rule] = Finding(rule, ThreatClass.XSS, score, match.start(), match.end())
