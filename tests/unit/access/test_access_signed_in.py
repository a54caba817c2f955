"""A person signed in through Cloudflare Access, end to end in the core: a token signed by a real
library, the JWKS, the role rules."""

from __future__ import annotations

import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from edgewatch.access import AccessSetup, Credentials, Role, Via, authenticate, parse_jwks
from edgewatch.errors import Forbidden

NOW = 1_796_000_000


def test_the_role_comes_from_the_rules() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())), "kid": "k"}
    keys = parse_jwks({"keys": [jwk]})
    setup = AccessSetup("aud-1", None, {Role.OPERATOR: ["*@pitchey.com"]})

    def sign(email: str) -> str:
        return jwt.encode(
            {"aud": "aud-1", "email": email, "exp": NOW + 60}, key, algorithm="RS256", headers={"kid": "k"}
        )

    bo = authenticate(Credentials(None, sign("bo@pitchey.com")), [], setup, keys, now_s=NOW)
    assert (bo.name, bo.role, bo.via) == ("bo@pitchey.com", Role.OPERATOR, Via.ACCESS)
    with pytest.raises(Forbidden, match="no role here"):
        authenticate(Credentials(None, sign("eve@example.com")), [], setup, keys, now_s=NOW)
