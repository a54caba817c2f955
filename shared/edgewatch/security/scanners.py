"""Known vulnerability scanners and attack tools, by the User-Agent they announce.

Most tools send a recognisable User-Agent unless told otherwise (sqlmap, Nikto, Nmap's scripting
engine, masscan, Acunetix, Nessus, WPScan, DirBuster, gobuster, ZGrab, Nuclei, ffuf ...), and some
add a header of their own (``Acunetix-Aspect``, ``X-Scanner``, ``X-WIPP``). Search-engine crawlers,
HTTP libraries (curl, python-requests, Go-http-client) and uptime monitors are not scanners here.
"""

from __future__ import annotations

import re

from .findings import Finding, ThreatClass

_TOOLS = re.compile(
    r"\b(?:sqlmap|nikto|nmap|masscan|acunetix|nessus|openvas|wpscan|dirbuster|dirb|gobuster|feroxbuster|ffuf"
    r"|fuzz faster u fool|wfuzz|zgrab|nuclei|whatweb|arachni|w3af|skipfish|netsparker|appscan|webinspect|havij"
    r"|bsqlbf|commix|xsser|fimap|jorgee|zmeu|morfeus|paros|grendel-scan|joomscan|droopescan|jaeles|dalfox"
    r"|censysinspect|interactsh|metasploit|burp ?suite|burp ?collaborator|hydra|nmap scripting engine|qualys"
    r"|detectify|invicti|x-scanner|crawlergo|afrog)\b"
)


def scan_user_agent(text: str) -> list[Finding]:
    match = _TOOLS.search(text)
    if match is None:
        return []
    return [Finding("scanner.user_agent", ThreatClass.SCANNER, 80, match.start(), match.end())]


def scan_header(name: str) -> list[Finding]:
    """A header only scanners send; ``name`` is the lower-cased header name."""
    return [Finding("scanner.header", ThreatClass.SCANNER, 80, 0, len(name))]
