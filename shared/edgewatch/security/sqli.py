"""SQL injection by structure, not by keyword.

A value is tokenised as SQL (in the manner of libinjection) and each token becomes one letter of a
fingerprint: ``s`` string, ``1`` number or literal, ``n`` name, ``f`` function call, ``v``
variable, ``&`` AND/OR/XOR/NOT/``&&``/``||``, ``o`` comparison operator, ``O`` comparison word
(LIKE, IS, IN, BETWEEN), ``a`` arithmetic, ``c`` comment, ``U`` UNION, ``S`` SELECT, ``F`` FROM,
``D`` a statement such as DROP TABLE or INSERT INTO, ``T`` a delay, file or shell function
(SLEEP, BENCHMARK, PG_SLEEP, LOAD_FILE, XP_CMDSHELL), ``W`` WAITFOR DELAY, ``X`` INTO OUTFILE,
``B`` ORDER/GROUP BY, ``Y`` PROCEDURE ANALYSE, and the punctuation itself.

The value is read in three contexts, as the application might have placed it in a query: as is
(a number or a bare word), and as the rest of a string opened by ``'`` or ``"``. In a string context
the text up to the first quote is one string token: that quote is the break-out. The rules below
match the fingerprints. A break-out must be followed by SQL structure (a boolean comparison, a
comment that cuts the rest of the query, a UNION, a stacked statement, a delay), so prose such as
"please select one item from the list", "drop table tennis", "O'Brien" or "1=1 in math" has no
match, while ``' OR '1'='1``, ``1 UNION SELECT NULL--`` and ``1; DROP TABLE users`` do.

Every regular expression here is linear: token alternatives start with distinct characters, the
only unbounded repetitions are over disjoint classes, and the fingerprint rules run on strings of
at most one letter per token.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .findings import Finding, ThreatClass

_TOKEN = re.compile(
    r"""
    (?:\s|/\*!\d*|\*/|/\*[^*]*\*+(?:[^/*][^*]*\*+)*/|(?:--(?![a-z])|\#)[^\n]*+\n)*+  # skipped: blanks,
    # closed and MySQL /*! comments, and line comments that a newline ends (they cut nothing off)
    (?:(?P<c>--(?![a-z])[^\n]*|\#[^\n]*|/\*.*)
    |(?P<s>'(?:[^'\\]|\\.|'')*'?|"(?:[^"\\]|\\.|"")*"?)
    |(?P<b>`[^`]*`?)
    |(?P<num>0x[0-9a-f]+|0b[01]+|\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+)
    |(?P<v>@@?[\w$]*)
    |(?P<w>[^\W\d][\w$]*(?:\.[^\W\d][\w$]*)*)
    |(?P<o><=>|[<>!=]=|<>|[=<>])
    |(?P<l>\|\||&&)
    |(?P<a>[-+*/%^|&~!:])
    |(?P<p>\(++|\)++|,++|;++)  # a run counts once: ";;;" is ";"
    |(?P<x>(?P<other>\S)(?P=other)*+)
    |(?P<end>\Z))
    """,
    re.VERBOSE | re.DOTALL,
)
_GROUP_KIND = {"c": "c", "s": "s", "b": "n", "num": "1", "v": "v", "o": "o", "l": "&", "a": "a", "x": "?"}
_WORDS = {
    "union": "U",
    "select": "S",
    "from": "F",
    "and": "&",
    "or": "&",
    "xor": "&",
    "not": "&",
    "div": "a",
    "mod": "a",
    "like": "O",
    "rlike": "O",
    "regexp": "O",
    "is": "O",
    "in": "O",
    "between": "O",
    "sounds": "O",
    "true": "1",
    "false": "1",
    "null": "1",
    "all": "m",
    "distinct": "m",
    "having": "h",
    "update": "u",
    "set": "t",
    "exec": "e",
    "execute": "e",
    "declare": "d",
    "shutdown": "x",
    "where": "k",
    "values": "k",
    "limit": "k",
    "offset": "k",
    "into": "k",
    "as": "k",
    "case": "k",
    "when": "k",
    "then": "k",
    "else": "k",
    "end": "k",
    "exists": "f",  # a predicate over a subquery, also written with a space: "exists (select"
}
# Two-word statements: the first word, the words that may follow it, and the merged kind.
_PAIRS = {
    "drop": ({"table", "database", "schema", "view", "procedure", "function", "user", "index", "trigger"}, "D"),
    "create": ({"table", "database", "user", "procedure", "function", "trigger"}, "D"),
    "alter": ({"table", "database", "user"}, "D"),
    "truncate": ({"table"}, "D"),
    "delete": ({"from"}, "D"),
    "insert": ({"into"}, "D"),
    "replace": ({"into"}, "D"),
    "order": ({"by"}, "B"),
    "group": ({"by"}, "B"),
    "waitfor": ({"delay", "time"}, "W"),
    "into": ({"outfile", "dumpfile"}, "X"),
    "procedure": ({"analyse"}, "Y"),
}
_ATTACK_FUNCTIONS = frozenset(
    {
        "sleep",
        "benchmark",
        "pg_sleep",
        "dbms_lock.sleep",
        "dbms_pipe.receive_message",
        "load_file",
        "xp_cmdshell",
        "sys_exec",
        "sys_eval",
        "utl_http.request",
        "utl_inaddr.get_host_address",
        "randomblob",
    }
)
_FUNCTION_CALL = re.compile(r"\s*\(")
_QUOTED = re.compile(r"['\"]")

_PREFIX = r"^(?:s|a?1)\)*"  # a break-out: the string or number the application placed us in


# A condition on a subquery, after AND/OR and maybe a unary sign: the parenthesised SELECT itself,
# a function of it (EXISTS, ASCII(SUBSTR(...))), or a comparison with it ("1=(SELECT", "1 IN (SELECT").
_SUBQUERY = r"a?(?:\(+S|\(*f\([(1snva,f]*?S|\(*[1snva]\)*[oO]\(+S)"


class _Rule(NamedTuple):
    rule: str
    pattern: re.Pattern[str]
    score: float
    quoted: bool = False  # only in a string context, where the leading "s" is the break-out
    one_word: bool = False  # only when the text before the break-out is one word ("admin'='")


_RULES = (
    _Rule("sqli.union_select", re.compile(r"Um?\(*S(?:[1sfvaT(]|n[,Fc)])"), 95),
    _Rule("sqli.stacked_query", re.compile(r";(?:Dn(?:[;ck(]|$)|unt|e[ns(vT]|W|x(?:c|;|$)|dv|S\(*[1sfvaT(]|T)"), 90),
    _Rule("sqli.time_delay", re.compile(r"S\(*T|Ws|" + _PREFIX + r"[&oa;]+\(*T"), 90),
    _Rule("sqli.file_write", re.compile(r"X"), 90),
    # Boolean-blind inference: a condition on a parenthesised SELECT joined to the value the
    # application placed us in ("1 AND (SELECT SUBSTRING(password,1,1) FROM users)='a'",
    # "' AND ASCII(SUBSTR((SELECT ...),1,1))>64", "x' OR EXISTS(SELECT 1 ...)"). After a bare word
    # (no quote, no number) the subquery must be compared, wrapped in a function, or read FROM.
    _Rule("sqli.blind_subquery", re.compile(_PREFIX + r"(?:[^S]*?&+" + _SUBQUERY + r"|[oO]\(+S[^F]*+F)"), 90),
    _Rule("sqli.blind_subquery", re.compile(r"^n\)*&+a?(?:\(*[1snva]\)*[oO]\(+S|\(*f\([(1snva,f]*?S|\(+S[^F]*+F)"), 90),
    _Rule(
        "sqli.tautology",
        re.compile(
            _PREFIX
            + r"(?:&+[(1snva)]*?(?:o|O\(*[1s(])|&+(?:\(*[fT]|\(+S)|[oaO&]+(?:\(*T|\(+S)|&+\(*[1s]\)*c)"
            + r"|^&+\(*[1snv][(1snva)]*?o[(1snva)]*?c"
        ),
        85,
    ),
    _Rule("sqli.tautology", re.compile(r"^s\)*o[1s]\)*(?:c|&|$)"), 85, quoted=True, one_word=True),
    _Rule("sqli.comment_breakout", re.compile(r"^s\)*;?c"), 80, quoted=True),
    _Rule("sqli.comment_breakout", re.compile(r"^a?1\)+;?c"), 80),
    _Rule("sqli.clause_probe", re.compile(_PREFIX + r"(?:B[1n](?:,[1n])*,?(?:c|$)|Y|h\(*[1snv][(1snva)]*?[oO])"), 80),
)
# What a value needs before any rule can match, so most values are never tokenised: a quote, a
# leading number or logic word for the anchored rules, the keywords of the others.
_ANCHOR = re.compile(r"\s*(?:[-+]?\.?\d|(?:or|and|xor|not)\b|&&|\|\|)")
_KEYWORDS = re.compile(r"union|select|waitfor|outfile|dumpfile|sleep|benchmark|load_file|xp_cmdshell|sys_e|utl_|dbms_")
_STATEMENTS = re.compile(
    r"\b(?:drop|create|alter|truncate|delete|insert|replace|update|exec|execute|declare|shutdown)\b"
)


def _worth_tokenising(text: str) -> bool:
    return bool(
        "'" in text
        or '"' in text
        or _ANCHOR.match(text)
        or _KEYWORDS.search(text)
        or (";" in text and _STATEMENTS.search(text))
    )


def _tokens(text: str, offset: int, kinds: list[str], starts: list[int], ends: list[int]) -> None:
    pending: str | None = None  # the first word of a possible two-word statement
    for match in _TOKEN.finditer(text):
        group = match.lastgroup
        if group == "end" or group is None:
            break
        end = match.end()
        if group == "w":
            word = match.group(group)
            if pending is not None and word in _PAIRS[pending][0]:
                kinds[-1] = _PAIRS[pending][1]
                ends[-1] = offset + end
                pending = None
                continue
            pending = word if word in _PAIRS else None
            if word in _ATTACK_FUNCTIONS and _FUNCTION_CALL.match(text, end):
                kind = "T"
            elif word in _WORDS:
                kind = _WORDS[word]
            elif text.startswith("(", end):
                kind = "f"
            else:
                kind = "n"
        else:
            pending = None
            kind = _GROUP_KIND.get(group) or match.group(group)[0]
            if kind == "c" and _QUOTED.search(match.group(group)):
                kind = "?"  # a comment that cuts off the application's quote needs none itself: "'#menu')"
        kinds.append(kind)
        starts.append(offset + match.start(group))
        ends.append(offset + end)


def _fingerprint(text: str, quote: str | None) -> tuple[str, list[int], list[int]]:
    kinds: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    offset = 0
    if quote is not None:
        offset = text.index(quote) + 1
        kinds.append("s")
        starts.append(0)
        ends.append(offset)
    _tokens(text[offset:], offset, kinds, starts, ends)
    return "".join(kinds), starts, ends


def scan(text: str) -> list[Finding]:
    """SQL injection findings in one decoded, lower-cased value."""
    if not _worth_tokenising(text):
        return []
    found: dict[str, Finding] = {}
    for quote in (None, "'", '"'):
        if quote is not None and quote not in text:
            continue
        fingerprint, starts, ends = _fingerprint(text, quote)
        for rule in _RULES:
            if rule.rule in found or (rule.quoted and quote is None):
                continue
            if rule.one_word and any(c.isspace() for c in text[: ends[0]].strip()):
                continue
            match = rule.pattern.search(fingerprint)
            if match:
                first, last = match.start(), max(match.start(), match.end() - 1)
                found[rule.rule] = Finding(rule.rule, ThreatClass.SQLI, rule.score, starts[first], ends[last])
    return list(found.values())


def scan_path(text: str) -> list[Finding]:
    """Each path segment is a value of its own (``/items/1' OR '1'='1``)."""
    found: dict[str, Finding] = {}
    position = 0
    for segment in text.split("/"):
        for finding in scan(segment):
            if finding.rule not in found:
                found[finding.rule] = finding._replace(start=finding.start + position, end=finding.end + position)
        position += len(segment) + 1
    return list(found.values())
