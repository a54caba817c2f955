"""Hostile strings for the dashboard: every payload would open a dialog (alert) or set
window.__xss if any page turned stored text into markup, a link or code. Built for our pages:
tag injection, attribute breakout, javascript: and data: links, mutation XSS (parser
differentials), template and markdown injection, encoded schemes and SVG."""

from __future__ import annotations

XSS = [
    "<script>alert('xss-script')</script>",
    "<img src=x onerror=\"alert('xss-img')\">",
    "\"><svg onload=alert('xss-attr')>",
    "' autofocus onfocus='alert(`xss-single`)' x='",
    "</td></tr></table><iframe srcdoc=\"<script>parent.alert('xss-iframe')</script>\"></iframe>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('xss-mutation')>\">",
    "<svg><style><img src=x onerror=alert('xss-svg-style')></style></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss-math')>",
    "{{constructor.constructor('alert(\"xss-template\")')()}}",
    "${alert('xss-literal')}",
    "[click me](javascript:alert('xss-markdown'))",
    "![x](x\" onerror=\"alert('xss-md-img'))",
    "<a href=\"jav&#x09;ascript:alert('xss-entity')\">link</a>",
    "<details open ontoggle=alert('xss-details')>",
    "<body onload=alert('xss-body')>",
]

URLS = [
    "javascript:alert('xss-url')",
    "JaVaScRiPt:window.__xss=1",
    "data:text/html,<script>alert('xss-data')</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
]

# A short marker each page must show as text, proving the hostile data was rendered (not dropped).
MARKER = "<script>alert('xss-script')</script>"
