"""Verifying a Cloudflare Access JWT (``Cf-Access-Jwt-Assertion``): a compact JWS signed RS256 with
one of the team's keys (the JWKS at ``https://<team>.cloudflareaccess.com/cdn-cgi/access/certs``),
its ``aud`` holding the application's audience tag, ``iss`` the team domain, and ``exp``/``nbf``
in force. Pure Python: RSASSA-PKCS1-v1_5 with SHA-256 is a modular power and a byte comparison."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

# DER of DigestInfo for SHA-256 (RFC 8017, section 9.2, note 1), followed by the 32-byte digest.
_SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
LEEWAY_S = 60
MAX_TOKEN_CHARS = 16_384


class JwtError(ValueError):
    """Why a token is refused (shown in the 401 body: never a secret)."""


@dataclass(frozen=True)
class RsaKey:
    kid: str
    n: int
    e: int

    @property
    def size(self) -> int:
        return (self.n.bit_length() + 7) // 8


def _b64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise JwtError("the token is not base64url") from None


def _int(text: str) -> int:
    return int.from_bytes(_b64url(text), "big")


def parse_jwks(document: Any) -> dict[str, RsaKey]:
    """The RS256 signing keys of a JWKS document, by key id (other keys are skipped)."""
    keys = document.get("keys") if type(document) is dict else None
    if type(keys) is not list:
        raise JwtError("the JWKS has no keys list")
    out = {}
    for key in keys:
        if type(key) is not dict or key.get("kty") != "RSA" or key.get("use", "sig") != "sig":
            continue
        if key.get("alg", "RS256") != "RS256" or type(key.get("kid")) is not str:
            continue
        try:
            rsa = RsaKey(key["kid"], _int(key["n"]), _int(key["e"]))
        except (KeyError, TypeError, JwtError):
            continue
        if rsa.n.bit_length() >= 2048 and rsa.e > 1:
            out[rsa.kid] = rsa
    return out


def _verify_signature(key: RsaKey, signed: bytes, signature: bytes) -> bool:
    if len(signature) != key.size:
        return False
    s = int.from_bytes(signature, "big")
    if s >= key.n:
        return False
    em = pow(s, key.e, key.n).to_bytes(key.size, "big")
    digest_info = _SHA256_PREFIX + hashlib.sha256(signed).digest()
    padding = key.size - len(digest_info) - 3
    expected = b"\x00\x01" + b"\xff" * padding + b"\x00" + digest_info
    return padding >= 8 and em == expected


def _seconds(value: Any) -> float | None:
    return float(value) if type(value) in (int, float) else None


@dataclass(frozen=True)
class Claims:
    email: str | None
    subject: str | None
    groups: tuple[str, ...]
    expires_at: int
    raw: dict[str, Any]


def verify_access_jwt(token: str, keys: dict[str, RsaKey], *, audience: str, issuer: str | None, now_s: int) -> Claims:
    """The token's claims when it is valid; JwtError naming why it is not."""
    if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        raise JwtError("the token is not a compact JWS (three dot-separated parts)")
    head_b64, body_b64, sig_b64 = token.split(".")
    try:
        header = json.loads(_b64url(head_b64))
        claims = json.loads(_b64url(body_b64))
    except ValueError:
        raise JwtError("the token's header or claims are not JSON") from None
    if type(header) is not dict or type(claims) is not dict:
        raise JwtError("the token's header and claims must be objects")
    if header.get("alg") != "RS256":
        raise JwtError(f"the token must be signed RS256, not {str(header.get('alg'))[:20]!r}")
    key = keys.get(str(header.get("kid")))
    if key is None:
        raise JwtError("the token's key id is not one of the team's signing keys")
    if not _verify_signature(key, f"{head_b64}.{body_b64}".encode("ascii"), _b64url(sig_b64)):
        raise JwtError("the token's signature does not verify")
    aud = claims.get("aud")
    audiences = aud if type(aud) is list else [aud]
    if audience not in audiences:
        raise JwtError("the token is for another Access application (aud)")
    if issuer is not None and str(claims.get("iss", "")).rstrip("/") != issuer.rstrip("/"):
        raise JwtError("the token was issued by another team (iss)")
    exp = _seconds(claims.get("exp"))
    if exp is None or now_s > exp + LEEWAY_S:
        raise JwtError("the token has expired" if exp is not None else "the token has no expiry (exp)")
    nbf = _seconds(claims.get("nbf"))
    if nbf is not None and now_s + LEEWAY_S < nbf:
        raise JwtError("the token is not valid yet")
    email = claims.get("email")
    groups = claims.get("groups")
    return Claims(
        email.lower() if type(email) is str and email else None,
        claims.get("sub") if type(claims.get("sub")) is str else None,
        tuple(g for g in groups if type(g) is str) if type(groups) is list else (),
        int(exp),
        claims,
    )
