"""The production download's sign-in: the ID token Entra posts back is checked (signature,
issuer, audience, tenant, expiry, the nonce tied to the link) before its ``oid`` is taken as
the person opening the link. Against a stand-in for Entra's keys on loopback."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from bot.downloads import EntraSignIn
from tests.conftest import TENANT
from tests.identity import APP_ID, IdentityServer, SigningKeyPair

OID = "00000000-0000-4000-8000-000000000103"


def id_token(key: SigningKeyPair, **changes: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": f"https://login.microsoftonline.com/{TENANT}/v2.0",
        "aud": APP_ID,
        "tid": TENANT,
        "oid": OID,
        "nonce": "the-links-nonce",
        "iat": now - 10,
        "exp": now + 600,
        **changes,
    }
    return jwt.encode(
        {k: v for k, v in claims.items() if v is not None},
        key.private,
        algorithm="RS256",
        headers={"kid": key.kid},
    )


async def test_only_a_good_id_token_names_the_person(
    tmp_path: Path, identity: IdentityServer
) -> None:
    sign_in = EntraSignIn(identity.settings(tmp_path), metadata_url=identity.url + "openid")
    key = identity.keys[0]
    try:
        assert await sign_in.person(id_token(key), "the-links-nonce") == OID
        for bad in (
            id_token(key, nonce="another-links-nonce"),  # made for another link
            id_token(key, aud="someone-elses-app"),
            id_token(key, tid="00000000-0000-4000-8000-0000000000ff"),
            id_token(key, iss="https://login.microsoftonline.com/other/v2.0"),
            id_token(key, exp=int(time.time()) - 3600),
            id_token(key, oid=None),
            id_token(SigningKeyPair("key-1")),  # the right kid, the wrong key
        ):
            with pytest.raises(jwt.PyJWTError):
                await sign_in.person(bad, "the-links-nonce")
    finally:
        await sign_in.close()


async def test_in_production_the_link_goes_through_entra_and_only_its_person_gets_the_file(
    tmp_path: Path, identity: IdentityServer, serve: Any
) -> None:
    import time as clock
    from datetime import UTC, datetime
    from urllib.parse import parse_qs, urlsplit

    from bot.app import SERVICES, create_app
    from bot.auth import SigningKeys
    from bot.downloads import SIGN_IN
    from storage.db import transaction
    from storage.downloads import create_link
    from storage.people import grant_role

    app = create_app(identity.settings(tmp_path, public_host="bot.example.org"))
    client = await serve(app)
    services = app[SERVICES]
    sign_in = app[SIGN_IN]
    sign_in.keys = SigningKeys(identity.url + "openid", sign_in.http, clock.monotonic)
    async with transaction(services.sessions) as session:
        await grant_role(
            session=session,
            aad_object_id=OID,
            role="business_unit",
            granted_by="test",
            now=datetime.now(UTC),
        )
        token = await create_link(
            session=session,
            cipher=services.cipher,
            aad_object_id=OID,
            kind="figures_csv",
            subject="2026",
            now=datetime.now(UTC),
            minutes=10,
        )
    opened = await client.get(f"/downloads/{token}", allow_redirects=False)
    assert opened.status == 302
    went = urlsplit(opened.headers["Location"])
    asked = parse_qs(went.query)
    assert went.netloc == "login.microsoftonline.com" and TENANT in went.path
    assert asked["redirect_uri"] == ["https://bot.example.org/downloads/signed-in"]
    assert asked["state"] == [token] and asked["response_mode"] == ["form_post"]
    nonce = asked["nonce"][0]
    key = identity.keys[0]
    someone = await client.post(
        "/downloads/signed-in",
        data={"state": token, "id_token": id_token(key, nonce=nonce, oid="someone-else")},
    )
    assert someone.status == 403
    forged = await client.post(
        "/downloads/signed-in", data={"state": token, "id_token": id_token(key)}
    )
    assert forged.status == 401  # the nonce of no link
    got = await client.post(
        "/downloads/signed-in", data={"state": token, "id_token": id_token(key, nonce=nonce)}
    )
    assert got.status == 200 and "Referrals received" in (await got.read()).decode("utf-8-sig")
