"""Run HTTP checks from the Worker: a bounded number in flight, each with its own timeout.

A Worker invocation keeps at most six connections open; further fetches wait in the runtime's
queue, and that wait would be measured as the target's latency. So no more than
``healthChecks.concurrency`` (default 6) probes are in flight, and the clock starts when a
probe really starts.
"""

from __future__ import annotations

import asyncio
import time

import js
from pyodide.ffi import to_js

from edgewatch.uptime import CheckSpec, ProbeOutcome, judge

USER_AGENT = "edgewatch-uptime/0.1 (+https://github.com/pitchey/edgewatch)"
MAX_BODY_CHARS = 1_000_000  # keyword search reads at most this much of a body


async def probe(spec: CheckSpec) -> ProbeOutcome:
    """The verdict, the HTTP status and the latency in ms to the response headers."""
    headers = {"user-agent": USER_AGENT, **{k.lower(): v for k, v in spec.headers}}
    options = {
        "method": spec.method,
        "headers": headers,
        "redirect": "follow",
        "signal": js.AbortSignal.timeout(spec.timeout_ms),
    }
    start = time.time()
    status: int | None = None
    latency: float | None = None
    body: str | None = None
    try:
        response = await js.fetch(spec.url, to_js(options, dict_converter=js.Object.fromEntries))
        latency = (time.time() - start) * 1000
        status = int(response.status)
        if spec.keyword is not None:
            body = str(await response.text())[:MAX_BODY_CHARS]
        elif response.body is not None:
            await response.body.cancel()
    except Exception as exc:  # a JsException for network errors, aborts and timeouts
        message = str(getattr(exc, "message", None) or exc)
        elapsed = (time.time() - start) * 1000
        name = str(getattr(getattr(exc, "js_error", None), "name", "") or "")
        if name == "TimeoutError" or "timeout" in message.lower() or elapsed >= spec.timeout_ms:
            message = f"timed out ({message})"
        return ProbeOutcome.of(spec.id, judge(spec, None, elapsed, None, message), None, None)
    return ProbeOutcome.of(spec.id, judge(spec, status, latency, body, None), status, latency)


async def probe_all(specs: list[CheckSpec], concurrency: int) -> list[ProbeOutcome]:
    """Probe every spec, at most ``concurrency`` at once; outcomes in the order of ``specs``."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(spec: CheckSpec) -> ProbeOutcome:
        async with gate:
            return await probe(spec)

    return list(await asyncio.gather(*(one(s) for s in specs)))
