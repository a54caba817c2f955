"""OTLP/HTTP endpoints answer a refusal with a google.rpc.Status in the request's encoding (the
OTLP specification's "Failures" section): a decorator for their handlers."""

from __future__ import annotations

import functools

from edgewatch.errors import ApiError
from edgewatch.wire.otlp_body import otlp_error_answer

from .app import Handler, Incoming, Reply


def otlp_errors(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def wrapped(req: Incoming) -> Reply:
        try:
            return await handler(req)
        except ApiError as exc:
            answer = otlp_error_answer(exc.status, exc.body(), req.header("content-type"))
            return Reply(answer.body, exc.status, {**exc.headers, **answer.headers}, raw=answer.raw)

    return wrapped
