"""A stand-in for one of the platform's Python API Workers, protected by edgewatch_cf.guard.

Local and test stacks route /api/* here (never deployed): it shows the middleware as a user would
wire it, and lets the end-to-end tests run the user's guide against real requests.
"""

from __future__ import annotations

import json

from workers import Response, WorkerEntrypoint

from edgewatch_cf.guard import protect


def _user(request):
    return request.headers.get("x-user-id")


def _login(request):
    return request.headers.get("x-login")  # the account a login request tries


class Default(WorkerEntrypoint):
    @protect(user_id=_user, account=_login)
    async def fetch(self, request):
        path = str(request.url).split("?", 1)[0]
        status = 401 if request.headers.get("x-fail-auth") else 200
        body = json.dumps({"ok": status == 200, "path": path})
        return Response(body, status=status, headers={"content-type": "application/json"})
