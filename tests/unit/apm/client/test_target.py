from __future__ import annotations

import pytest

from edgewatch.apm import DsnError
from edgewatch.apm.client.target import target_of


@pytest.mark.parametrize(
    ("dsn", "url", "auth"),
    [
        (
            "https://abc123@o1.ingest.sentry.io/42",
            "https://o1.ingest.sentry.io/api/42/envelope/",
            "Sentry sentry_version=7, sentry_client=edgewatch.python/0.1.0, sentry_key=abc123",
        ),
        # our own ingest behind the shared /apm route, a port and a legacy secret
        (
            "http://key:secret@127.0.0.1:8787/apm/1",
            "http://127.0.0.1:8787/apm/api/1/envelope/",
            "Sentry sentry_version=7, sentry_client=edgewatch.python/0.1.0, sentry_key=key, sentry_secret=secret",
        ),
    ],
)
def test_target_of_a_dsn(dsn: str, url: str, auth: str) -> None:
    target = target_of(dsn)
    assert (target.url, target.auth) == (url, auth)
    assert target.headers() == {"content-type": "application/x-sentry-envelope", "x-sentry-auth": auth}


def test_a_bad_dsn_names_the_problem() -> None:
    with pytest.raises(DsnError, match="project id"):
        target_of("https://key@host/not-a-project")
