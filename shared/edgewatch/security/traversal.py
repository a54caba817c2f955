"""Path traversal: climbing out of a directory with ``..`` segments, or naming a system file.

A value is scored by how far it climbs and where it lands: three or more ``../`` levels, or any
level that ends at a file worth stealing (``etc/passwd``, ``win.ini``, ``.ssh/``, ``WEB-INF/``,
``.env`` ...) is an attack; two levels alone are only recorded; one level alone (a relative link
such as ``../img/logo.png``) is normal and file names such as ``report..final.pdf`` are not
segments at all. Evasions of a naive filter count on top: dots sent percent-encoded, overlong
UTF-8, double encoding, null bytes, ``....//`` and Tomcat's ``..;/``. In the request path itself
any ``..`` segment scores, since clients resolve them before sending. A value that is an absolute
path to a sensitive file (``/etc/passwd``, ``C:\\Windows\\win.ini``) scores as well.
"""

from __future__ import annotations

import re
from itertools import islice

from .decode import Evasion
from .findings import Finding, ThreatClass

_DOTDOT = re.compile(r"(?<![^\\/])\.{2,};?(?:[\\/]|$)")
_ODD_DOTDOT = re.compile(r"(?<![^\\/])(?:\.{3,}|\.\.;)[\\/]")
_ABSOLUTE = re.compile(r"^\s*(?:[a-z]:)?[\\/]")
_SENSITIVE = re.compile(
    r"(?:^|[\\/])(?:"
    r"etc[\\/](?:passwd|shadow|group|hosts|issue|sudoers|crontab|fstab|hostname|resolv\.conf|motd|environment)"
    r"|etc[\\/](?:nginx|apache2|httpd|mysql|ssh)[\\/]"
    r"|proc[\\/](?:self|\d+)[\\/](?:environ|cmdline|maps|status|fd|cwd)|proc[\\/]version"
    r"|windows[\\/](?:win\.ini|system\.ini|system32)|winnt[\\/]|boot\.ini|win\.ini"
    r"|\.ssh[\\/]|id_rsa|id_ed25519|authorized_keys|\.aws[\\/]credentials|\.docker[\\/]config\.json"
    r"|\.git[\\/]|\.env(?![\w-])|\.htpasswd|\.htaccess|\.bash_history|\.npmrc"
    r"|wp-config\.php|web\.config|web-inf[\\/]|meta-inf[\\/]|config\.php|settings\.py|database\.yml"
    r"|var[\\/]log[\\/]|var[\\/]www[\\/]"
    r")"
)
_EVASIONS = frozenset(
    {Evasion.ENCODED_DOT, Evasion.OVERLONG_UTF8, Evasion.DOUBLE_ENCODING, Evasion.IIS_UNICODE, Evasion.NULL_BYTE}
)


def scan(text: str, evasions: frozenset[Evasion] = frozenset(), *, path: bool = False) -> list[Finding]:
    """Traversal findings in one decoded, lower-cased value (``path``: the request path itself)."""
    if ".." not in text and not _ABSOLUTE.match(text):
        return []
    out: list[Finding] = []
    levels = list(islice(_DOTDOT.finditer(text), 3))  # three levels are as bad as thirty
    sensitive = _SENSITIVE.search(text)
    if levels:
        first, last = levels[0].start(), levels[-1].end()
        if sensitive:
            out.append(Finding("traversal.sensitive_file", ThreatClass.TRAVERSAL, 90, first, sensitive.end()))
        if path:
            out.append(Finding("traversal.path_dotdot", ThreatClass.TRAVERSAL, 80, first, last))
        elif len(levels) >= 3:
            out.append(Finding("traversal.deep", ThreatClass.TRAVERSAL, 80, first, last))
        elif len(levels) == 2:
            out.append(Finding("traversal.dotdot", ThreatClass.TRAVERSAL, 50, first, last))
        odd = _ODD_DOTDOT.search(text)
        if evasions & _EVASIONS or odd:
            out.append(Finding("traversal.evasion", ThreatClass.TRAVERSAL, 40, first, last))
    elif sensitive and not path and _ABSOLUTE.match(text):
        out.append(Finding("traversal.absolute_path", ThreatClass.TRAVERSAL, 80, 0, sensitive.end()))
    return out
