"""OS command injection: a shell separator or substitution followed by a command.

A finding needs a command position (after ``;``, ``|``, ``||``, ``&``, ``&&``, a newline, a
backtick or ``$(``) holding a known command, and for commands that are also English words (cat,
id, ping, sleep, echo, ls ...) arguments shaped like a shell's: a flag, a path, an address, a
number for sleep/ping, or nothing at all. Where it sits decides the score. Injection into a
parameter looks like ``127.0.0.1; cat /etc/passwd``: at most one word before the separator, and
scores as an attack. The same shapes inside prose ("use `ls -la` to list", "salt; pepper; cat
lovers") score only when the arguments reach for the system (``/etc/passwd``, ``/dev/tcp``,
``/bin/sh``) or the command is one that prose never uses (whoami, ifconfig, powershell). ``$(cmd)``
and ``{cmd,arg}`` are substitutions and always count. Quote and backslash tricks inside a command
word (``w'h'o'am'i``, ``c\\at``) and ``${IFS}`` for a space are undone; Shellshock's ``() { :; };``
and a server-side include (``<!--#exec``) count anywhere, as do the network shells of
``remote_shell`` (reverse shells, a download piped into a shell).
"""

from __future__ import annotations

import re

from . import remote_shell
from .findings import Finding, ThreatClass

_STRONG = frozenset(
    {
        "whoami",
        "uname",
        "ifconfig",
        "ipconfig",
        "nslookup",
        "netcat",
        "ncat",
        "powershell",
        "pwsh",
        "certutil",
        "bitsadmin",
        "mkfifo",
        "xterm",
        "busybox",
        "systeminfo",
        "tasklist",
        "netstat",
        "wmic",
        "rundll32",
        "regsvr32",
        "cscript",
        "wscript",
    }
)
_WEAK = frozenset(
    {
        "cat",
        "tac",
        "id",
        "ls",
        "dir",
        "ping",
        "sleep",
        "timeout",
        "echo",
        "type",
        "env",
        "printenv",
        "pwd",
        "rm",
        "kill",
        "head",
        "tail",
        "more",
        "less",
        "grep",
        "find",
        "nc",
        "sh",
        "bash",
        "zsh",
        "dash",
        "ksh",
        "csh",
        "curl",
        "wget",
        "python",
        "python2",
        "python3",
        "perl",
        "ruby",
        "php",
        "node",
        "lua",
        "net",
        "cmd",
        "chmod",
        "chown",
        "touch",
        "cp",
        "mv",
        "awk",
        "sed",
        "base64",
        "crontab",
        "su",
        "sudo",
        "ps",
        "telnet",
        "tftp",
        "ftp",
        "ssh",
        "scp",
        "hostname",
        "nohup",
        "xargs",
        "tee",
        "dd",
        "openssl",
        "socat",
        "expr",
        "od",
        "xxd",
    }
)
_COMMANDS = _STRONG | _WEAK
_OBFUSCATED = re.compile(r"['\"\\/]")  # quotes, backslashes or a directory in a command word
_COUNTED = frozenset({"sleep", "timeout", "ping"})
_BIN_DIRS = frozenset({"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"})
_SHELL_SYNTAX = re.compile(r"[;|&\n\r`{]|\$\(|\(\s*\)|/dev/|<!--#")  # nothing below matches without one
_IFS = re.compile(r"\$\{ifs\}|\$ifs(?:\$\d)?")
_POSITION = re.compile(r"(;|\|\|?|&&?|[\n\r]|`|\$\()[ \t]*([\w'\"\\/.-]{1,64})")
_BRACE = re.compile(r"\{([\w'\"\\/.-]{1,64}),([^}\s]{0,128})\}")
_ARGS = re.compile(r"[^;|&\n\r`)]{0,128}")
_SHELL_ARGS = re.compile(
    r"\s*(?:$|-{1,2}[a-z0-9]|[/~\\$]|\.{1,2}/|[a-z]:\\|\d{1,3}(?:\.\d{1,3}){3}|https?://|[;|&`)>#<])"
)
_NUMBER_ARGS = re.compile(r"\s*\d+\s*$")
_NET_ARGS = re.compile(r"\s*(?:user|localgroup|group|view|share|use)\b")
_SENSITIVE_ARGS = re.compile(
    r"/etc/(?:passwd|shadow|hosts)|/dev/(?:tcp|udp)/|/bin/(?:ba)?sh\b|-e\s*/bin/|c:\\windows|win\.ini|/tmp/[\w.]+\.sh"
)
_PROSE = re.compile(r"\S\s+\S")
_ENDS = re.compile(r"\s*(?:$|[;|&`#])")
_GLUED = re.compile(r"[\w.=:'\"]")  # what precedes a backtick glued to an argument: 127.0.0.1`id`
_SHELLSHOCK = re.compile(r"\(\s*\)\s*\{[^}]{0,40}\}\s*;")
_SSI = re.compile(r"<!--#\s*(?:exec|include|echo|config|fsize|flastmod|printenv)\b")


def _command(word: str) -> str:
    word = word.replace("'", "").replace('"', "").replace("\\", "")
    if "/" in word:
        directory, _, word = word.rpartition("/")
        if directory not in _BIN_DIRS:
            return ""  # "src/runtime/node" is a path in prose, "/usr/bin/id" a command
    return word[:-4] if word.endswith(".exe") else word


def _runs(command: str, args: str) -> bool:
    """Whether ``command args`` reads as a shell command rather than a word in a sentence."""
    if command in _STRONG:
        return True
    if command not in _WEAK:
        return False
    if _SHELL_ARGS.match(args):
        return True
    return (command in _COUNTED and bool(_NUMBER_ARGS.match(args))) or (
        command == "net" and bool(_NET_ARGS.match(args))
    )


def scan(text: str) -> list[Finding]:
    """Command injection findings in one decoded, lower-cased value."""
    if "$" in text:
        text = _IFS.sub(lambda m: " " * len(m.group()), text)
    out: dict[str, Finding] = {finding.rule: finding for finding in remote_shell.scan(text)}
    if not _SHELL_SYNTAX.search(text):
        return list(out.values())

    def hit(rule: str, score: float, start: int, end: int) -> None:
        out.setdefault(rule, Finding(rule, ThreatClass.CMDI, score, start, end))

    if ("()" in text or "( )" in text) and (shock := _SHELLSHOCK.search(text)):
        hit("cmdi.shellshock", 95, shock.start(), shock.end())
    if "<!--#" in text and (include := _SSI.search(text)):
        hit("cmdi.server_side_include", 90, include.start(), include.end())
    prose = _PROSE.search(text)
    prose_end = prose.end() if prose else len(text) + 1
    first_tick = text.find("`")  # after Markdown code, a newline is not a separator
    for position in _POSITION.finditer(text):
        word = position.group(2)
        if word not in _COMMANDS and not _OBFUSCATED.search(word):
            continue  # the common case, kept cheap: "a; b", "x|y", "Tom & Jerry"
        separator, start = position.group(1), position.start()
        if separator == "$(":
            rule = "cmdi.substitution"
        elif separator == "`":
            if start > 0 and text[start - 1] == "`":
                continue  # a Markdown code fence or ``double`` quoting, not a substitution
            glued = start == 0 or _GLUED.match(text, start - 1) is not None
            rule = "cmdi.substitution" if glued else "cmdi.command_in_text"
        elif prose_end > start and not 0 <= first_tick < start:
            rule = "cmdi.command_chain"
        else:
            rule = "cmdi.command_in_text"
        if rule in out:
            continue
        command = _command(word)
        args = _ARGS.match(text, position.end())
        arguments = args.group() if args else ""
        end = position.end() + len(arguments)
        if not _runs(command, arguments) or (separator != "$(" and text.startswith(")", end)):
            continue  # "(http|ftp)" is an alternation, not a pipe
        if separator == "`" and rule == "cmdi.substitution" and not _ENDS.match(text, end + 1):
            continue  # "`type`, if set, ..." is Markdown, "127.0.0.1`id`" is not
        if rule != "cmdi.command_in_text":
            hit(rule, 90, start, end)
        elif _SENSITIVE_ARGS.search(arguments) or (command in _STRONG and separator != "`"):
            hit(rule, 80, start, end)
    if "{" in text:
        for brace in _BRACE.finditer(text):
            if _runs(_command(brace.group(1)), " " + brace.group(2)):
                hit("cmdi.substitution", 90, brace.start(), brace.end())
                break
    return list(out.values())
