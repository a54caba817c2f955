"""Access JWTs signed by a real library (PyJWT with cryptography's RSA), verified by our pure-Python
RS256; the JWKS is what ``jwt.algorithms.RSAAlgorithm.to_jwk`` writes (the format Cloudflare serves)."""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from edgewatch.access import JwtError, parse_jwks, verify_access_jwt

NOW = 1_796_000_000
AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2"
ISS = "https://pitchey.cloudflareaccess.com"


@pytest.fixture(scope="module")
def keys() -> tuple[Any, Any, dict[str, Any]]:
    signing = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing.public_key()))
    jwks = {"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}], "public_cert": {"kid": "k1"}}
    return signing, other, jwks


def token(key: Any, kid: str = "k1", **claims: Any) -> str:
    body = {"aud": [AUD], "email": "Ana@Pitchey.com", "exp": NOW + 600, "iat": NOW, "iss": ISS, "sub": "u-1",
            "type": "app", **claims}  # fmt: skip
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm="RS256", headers={"kid": kid})


def verify(text: str, jwks: dict[str, Any], now: int = NOW) -> Any:
    return verify_access_jwt(text, parse_jwks(jwks), audience=AUD, issuer=ISS, now_s=now)


def test_a_valid_token_gives_its_claims(keys: Any) -> None:
    signing, _, jwks = keys
    claims = verify(token(signing, groups=["oncall", 3]), jwks)
    assert claims.email == "ana@pitchey.com" and claims.subject == "u-1" and claims.groups == ("oncall",)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda s, o: token(o), "signature does not verify"),  # signed by another key under our kid
        (lambda s, o: token(s, kid="k9"), "key id"),
        (lambda s, o: token(s, exp=NOW - 61), "expired"),
        (lambda s, o: token(s, exp=None), "no expiry"),
        (lambda s, o: token(s, nbf=NOW + 120), "not valid yet"),
        (lambda s, o: token(s, aud=["another-app"]), "aud"),
        (lambda s, o: token(s, iss="https://evil.cloudflareaccess.com"), "iss"),
        (lambda s, o: jwt.encode({"aud": AUD, "exp": NOW + 60}, "s" * 32, algorithm="HS256"), "RS256"),
        (lambda s, o: "a.b", "compact JWS"),
        (lambda s, o: "e30.e30.", "RS256"),  # {} header: no algorithm
    ],
)
def test_bad_tokens_are_refused_with_the_reason(keys: Any, make: Any, reason: str) -> None:
    signing, other, jwks = keys
    with pytest.raises(JwtError, match=reason):
        verify(make(signing, other), jwks)


def test_a_tampered_claim_breaks_the_signature(keys: Any) -> None:
    import base64

    signing, _, jwks = keys
    head, body, sig = token(signing).split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["email"] = "mallory@pitchey.com"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(JwtError, match="signature"):
        verify(f"{head}.{forged}.{sig}", jwks)


def test_the_leeway_and_an_audience_string(keys: Any) -> None:
    signing, _, jwks = keys
    assert verify(token(signing, exp=NOW - 30), jwks).email == "ana@pitchey.com"  # within 60 s of leeway
    assert verify(token(signing, aud=AUD), jwks).email == "ana@pitchey.com"


def test_jwks_keeps_only_rsa_signing_keys_of_2048_bits_or_more() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(small.public_key()))
    assert parse_jwks({"keys": [{**jwk, "kid": "small"}, {"kty": "EC", "kid": "ec"}, "junk"]}) == {}
    with pytest.raises(JwtError):
        parse_jwks({"nokeys": []})
