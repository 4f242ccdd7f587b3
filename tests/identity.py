"""A local stand-in for Microsoft's identity endpoints, on loopback, with generated keys.

It serves what the Bot Framework's do: the OpenID metadata document naming ``jwks_uri``, the
signing keys (with their channel endorsements), and an Entra token endpoint (client
credentials grant). ``hang`` makes an endpoint never answer; ``fail`` makes it answer 500.
``mint`` signs a token the way the Bot Framework channel service does.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.settings import Settings

APP_ID = "11111111-0000-4000-8000-000000000001"
ISSUER = "https://api.botframework.com"


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class SigningKeyPair:
    kid: str
    private: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    endorsements: tuple[str, ...] = ("msteams", "webchat")

    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "n": _b64(public.n),
            "e": _b64(public.e),
            "endorsements": list(self.endorsements),
        }


@dataclass
class IdentityServer:
    url: str = ""
    keys: list[SigningKeyPair] = field(default_factory=lambda: [SigningKeyPair("key-1")])
    hang: set[str] = field(default_factory=set)  # "metadata", "keys", "token"
    fail: set[str] = field(default_factory=set)
    hits: Counter[str] = field(default_factory=Counter)
    token_lifetime: int = 3600

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/openid", self._metadata)
        app.router.add_get("/keys", self._keys)
        app.router.add_post("/tenant/oauth2/v2.0/token", self._token)
        return app

    async def _gate(self, name: str) -> web.Response | None:
        self.hits[name] += 1
        if name in self.hang:
            await asyncio.sleep(3600)
        if name in self.fail:
            return web.json_response({"error": "unavailable"}, status=500)
        return None

    async def _metadata(self, request: web.Request) -> web.Response:
        return await self._gate("metadata") or web.json_response(
            {"issuer": ISSUER, "jwks_uri": self.url + "keys"}
        )

    async def _keys(self, request: web.Request) -> web.Response:
        return await self._gate("keys") or web.json_response({"keys": [k.jwk() for k in self.keys]})

    async def _token(self, request: web.Request) -> web.Response:
        gated = await self._gate("token")
        if gated is not None:
            return gated
        form = await request.post()
        if form.get("grant_type") != "client_credentials" or form.get("client_id") != APP_ID:
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "access_token": f"bot-token-{self.hits['token']}",
            }
        )

    def settings(self, tmp_path: Path, **overrides: Any) -> Settings:
        """Production settings whose identity endpoints are this server."""
        from storage.audit import new_audit_key
        from storage.crypto import new_key
        from tests.conftest import TENANT, local_settings

        values: dict[str, Any] = {
            "mode": "production",
            "app_id": APP_ID,
            "app_password": "test-secret",
            "app_tenant_id": TENANT,
            "data_key": new_key(),
            "audit_key": new_audit_key(),
            "openid_metadata_url": self.url + "openid",
            "login_url": self.url + "tenant",
        }
        values.update(overrides)
        return local_settings(tmp_path, **values)


def mint(
    key: SigningKeyPair,
    *,
    service_url: str,
    audience: str = APP_ID,
    issuer: str | None = ISSUER,
    expires_in: int = 3600,
    not_before: float | None = None,
    algorithm: str = "RS256",
    kid: str | None = None,
) -> str:
    now = time.time()
    claims: dict[str, Any] = {
        "serviceurl": service_url,
        "aud": audience,
        "exp": int(now + expires_in),
        "nbf": int(not_before if not_before is not None else now - 60),
    }
    if issuer is not None:
        claims["iss"] = issuer
    return jwt.encode(claims, key.private, algorithm=algorithm, headers={"kid": kid or key.kid})


def unsigned(service_url: str, kid: str = "key-1") -> str:
    """An ``alg: none`` token: well-formed claims, no signature."""
    now = int(time.time())
    claims = {"serviceurl": service_url, "aud": APP_ID, "iss": ISSUER, "exp": now + 3600}
    return jwt.encode(claims, None, algorithm="none", headers={"kid": kid})
