"""Files the bot hands over: the rapid review pack (.docx) and the annual figures (CSV), by
one-use links bound to the person who asked; and the figures chart's picture.

``GET /downloads/<token>`` asks who is opening the link. In production that is Microsoft
sign-in (Entra ID, OpenID Connect, ``response_mode=form_post``): Entra posts an ID token,
with the link as its state, back to ``POST /downloads/signed-in``, checked here (signature,
issuer, audience, tenant, expiry, and a nonce tied to the link), and its ``oid`` must be the
person the link was made for. In
local mode there is no Entra: a local sign-in page lists the local Teams client's personas,
as trusting as local mode is everywhere else (nothing is checked on loopback).

A link is refused, and the refusal audited, when it is unknown or altered, used by someone
else, expired, or used before. A good one is marked used, the file is built in memory from
what is stored now, the download is audited, and the file is sent with ``no-store``; nothing
of it is written to disk.
"""

from __future__ import annotations

import html
import logging
import time
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import jwt
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.auth import ALLOWED_ALGORITHMS, CLOCK_SKEW_SECONDS, AuthUnavailable, SigningKeys
from bot.settings import Settings
from bot.turn import Services
from cards.figures import chart_png
from cards.pack_document import DEFAULT_TEMPLATE, asks_for, render
from flows.context import CaseContext
from flows.pack import pack_content
from storage import cases, people
from storage.audit import append_audit
from storage.crypto import Cipher
from storage.db import transaction
from storage.downloads import Refusal, find_link, refusal, use_link
from storage.figures import year_facts
from storage.models import Case
from workflow import figures
from workflow.authorisation import FIGURE_READERS, PACK_READERS
from workflow.figures import Figures, Timeliness

log = logging.getLogger(__name__)

PACK, FIGURES_CSV = "pack", "figures_csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CHART_PURPOSE = "figures-chart"
LOGIN = "https://login.microsoftonline.com"
SIGNED_IN = "/downloads/signed-in"  # where Entra posts the ID token back
REFUSED = {
    Refusal.UNKNOWN: "This link isn't one I made, or it has been changed.",
    Refusal.OTHER_PERSON: "This link was made for someone else, so it can't be used by you.",
    Refusal.EXPIRED: "This link has expired.",
    Refusal.USED: "This link has been used already: each link works once.",
    Refusal.NOT_ALLOWED: "You no longer hold a role that may have this file.",
}
AGAIN = "Ask for a fresh one in your 1:1 chat with the Case Review Bot."


def pack_template(settings: Settings) -> bytes:
    """The pack's template: PACK_TEMPLATE, or the default. ``OSError`` when unreadable."""
    return Path(settings.pack_template or DEFAULT_TEMPLATE).read_bytes()


async def build_pack(
    session: AsyncSession, context: CaseContext, case: Case, template: bytes, now: datetime
) -> bytes:
    """The pack as .docx bytes, in memory; ``TemplateProblem`` when the template can't be
    filled."""
    content = await pack_content(
        session, context, case, now, dates_of_birth=asks_for(template, "date_of_birth")
    )
    return render(template, content)


def link_url(settings: Settings, token: str) -> str:
    return f"{settings.public_url}/downloads/{token}"


# ----- the chart's picture: counts only, carried in its own signed address -------------------


def _chart_data(counted: Figures) -> str:
    numbers = [counted.year]
    for t in counted.timeliness:
        numbers += [t.met, t.late, t.overdue, t.not_yet_due]
    return "-".join(str(n) for n in numbers)


def chart_url(public_url: str, cipher: Cipher, counted: Figures) -> str:
    """Where the chart's PNG is served. The address carries the counts (nothing else: they
    are not personal) and a signature, so any instance can draw it and nobody can make the
    bot draw other numbers under its name."""
    data = _chart_data(counted)
    signature = cipher.mac(CHART_PURPOSE, data)[:24]
    return f"{public_url}/charts/figures.png?{urlencode({'d': data, 's': signature})}"


async def _chart(request: web.Request) -> web.Response:
    services = _services(request)
    data, signature = request.query.get("d", ""), request.query.get("s", "")
    if signature != services.cipher.mac(CHART_PURPOSE, data)[:24]:
        raise web.HTTPNotFound()
    try:
        numbers = [int(n) for n in data.split("-")]
    except ValueError:
        raise web.HTTPNotFound() from None
    if len(numbers) != 1 + 4 * len(figures.DEADLINES):
        raise web.HTTPNotFound()
    counted = Figures(
        year=numbers[0],
        timeliness=tuple(
            Timeliness(key, title, *numbers[1 + 4 * n : 5 + 4 * n])
            for n, (key, title) in enumerate(figures.DEADLINES)
        ),
    )
    return web.Response(
        body=chart_png(counted),
        content_type="image/png",
        headers={"Cache-Control": "public, max-age=86400"},
    )


# ----- who is opening the link -----------------------------------------------------------------


def _page(title: str, body: str, status: int = 200) -> web.Response:
    text = (
        "<!doctype html><html lang='en-GB'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>body{{font-family:Segoe UI,Arial,sans-serif;"
        "max-width:38em;margin:3em auto;line-height:1.5;color:#242424}button{font-size:1em;"
        "margin:.3em 0;padding:.5em 1em}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return web.Response(
        text=text, content_type="text/html", status=status, headers={"Cache-Control": "no-store"}
    )


def _nonce(cipher: Cipher, token: str) -> str:
    return cipher.mac("download-nonce", token)[:32]


def _personas(settings: Settings) -> list[tuple[str, str]]:
    if not settings.local_roles_file:
        return []
    data = tomllib.loads(Path(settings.local_roles_file).read_text())
    return [(p["aad_object_id"], p.get("name", p["aad_object_id"])) for p in data.get("people", [])]


async def _open(request: web.Request) -> web.Response:
    services = _services(request)
    settings = services.settings
    token = request.match_info["token"]
    if settings.local:
        buttons = "".join(
            f"<form method='post'><input type='hidden' name='persona' value='{html.escape(aad)}'>"
            f"<button type='submit'>Sign in as {html.escape(name)}</button></form>"
            for aad, name in _personas(settings)
        )
        return _page(
            "Sign in to download",
            "<p>This is the local Teams client, with no Microsoft sign-in: choose who you are. "
            "The link works only for the person it was made for.</p>" + buttons,
        )
    query = urlencode(
        {
            "client_id": settings.app_id,
            "response_type": "id_token",
            "response_mode": "form_post",
            "scope": "openid",
            # Entra matches a redirect address exactly: one for every link, the link in state.
            "redirect_uri": f"{settings.public_url}{SIGNED_IN}",
            "nonce": _nonce(services.cipher, token),
            "state": token,
        }
    )
    raise web.HTTPFound(f"{LOGIN}/{settings.allowed_tenant_id}/oauth2/v2.0/authorize?{query}")


class EntraSignIn:
    """Checks the ID token Entra posts back after sign-in; keys fetched and kept as the
    channel's are (bot.auth.SigningKeys)."""

    def __init__(self, settings: Settings, metadata_url: str = "") -> None:
        self.settings = settings
        self._http: aiohttp.ClientSession | None = None
        tenant = settings.allowed_tenant_id
        self.issuer = f"{LOGIN}/{tenant}/v2.0"
        self.keys = SigningKeys(
            metadata_url or f"{self.issuer}/.well-known/openid-configuration",
            self.http,
            time.monotonic,
        )

    def http(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        return self._http

    async def person(self, id_token: str, nonce: str) -> str:
        """The signed-in person's Entra object id; ``jwt.PyJWTError`` when the token fails."""
        header = jwt.get_unverified_header(id_token)
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise jwt.InvalidAlgorithmError("algorithm not allowed")
        key = await self.keys.get(str(header.get("kid") or ""))
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key.key,
            algorithms=list(ALLOWED_ALGORITHMS),
            audience=self.settings.app_id,
            issuer=self.issuer,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["exp", "iat", "aud", "iss", "oid", "nonce"]},
        )
        if claims.get("nonce") != nonce or claims.get("tid") != self.settings.allowed_tenant_id:
            raise jwt.InvalidTokenError("nonce or tenant does not match")
        return str(claims["oid"])

    async def close(self) -> None:
        await self.keys.close()
        if self._http is not None:
            await self._http.close()


SIGN_IN = web.AppKey("download_sign_in", EntraSignIn)


async def _who(request: web.Request, token: str) -> str | None:
    services = _services(request)
    form = await request.post()
    if services.settings.local:
        persona = str(form.get("persona") or "")
        return persona if persona in {aad for aad, _ in _personas(services.settings)} else None
    try:
        return await request.app[SIGN_IN].person(
            str(form.get("id_token") or ""), _nonce(services.cipher, token)
        )
    except AuthUnavailable:
        raise web.HTTPServiceUnavailable(text="Sign-in can't be checked just now.") from None
    except (jwt.PyJWTError, PermissionError, ValueError):
        return None


# ----- using the link ----------------------------------------------------------------------------


async def redeem(
    services: Services, token: str, person: str, *, via: str
) -> tuple[Refusal | None, bytes | None, str, str]:
    """Use a link for ``person`` (signed in, or the Teams user who accepted a file): why not,
    or the file built now (bytes, file name, content type). One transaction: the link marked
    used and the download audited together, or the refusal audited."""
    now = services.clock()
    async with transaction(services.sessions) as session:
        row = await find_link(session=session, cipher=services.cipher, token=token)
        why = refusal(row, person=person, now=now)
        if why is None and row is not None:  # a role taken away since the link was made
            held = await people.get_roles(session=session, aad_object_id=person)
            if not held & (PACK_READERS if row.kind == PACK else FIGURE_READERS):
                why = Refusal.NOT_ALLOWED
        body: bytes | None = None
        name, kind = "", ""
        if why is None and row is not None:
            body, name, kind = await _build(session, services, row.kind, row.subject, now)
            if not await use_link(session=session, row=row, now=now):
                why, body = Refusal.USED, None
        await append_audit(
            session=session,
            now=now,
            actor_aad_id=person,
            actor_role="download",
            action="download.refused" if why else "download.used",
            case_ref=row.subject if row is not None and row.kind == PACK else None,
            details={
                "link": token[:8],
                "via": via,
                **({"kind": row.kind, "for": row.aad_object_id} if row is not None else {}),
                **({"reason": why.value} if why else {}),
            },
        )
    return why, body, name, kind


async def _use(request: web.Request) -> web.Response:
    services = _services(request)
    token = request.match_info.get("token") or str((await request.post()).get("state") or "")
    person = await _who(request, token)
    if person is None:
        return _page("You're not signed in", f"<p>I couldn't tell who you are. {AGAIN}</p>", 401)
    why, body, name, kind = await redeem(services, token, person, via="link")
    if why is not None or body is None:
        log.info("download refused", extra={"reason": why.value if why else "none"})
        status = 404 if why is Refusal.UNKNOWN else 403 if why is Refusal.OTHER_PERSON else 410
        words = REFUSED[why or Refusal.UNKNOWN]
        return _page("This link can't be used", f"<p>{words} {AGAIN}</p>", status)
    return web.Response(
        body=body,
        content_type=kind,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def _build(
    session: AsyncSession, services: Services, kind: str, subject: str, now: datetime
) -> tuple[bytes, str, str]:
    if kind == PACK:
        case = await cases.get_case(session=session, reference=subject)
        if case is None:
            raise web.HTTPGone(text="That case is no longer held.")
        template = pack_template(services.settings)
        body = await build_pack(session, services.cases, case, template, now)
        return body, f"{subject} rapid review pack.docx", DOCX
    year = int(subject)
    today = now.astimezone(services.settings.tz).date()
    counted = figures.count(
        await year_facts(session, year, services.settings.tz), year=year, today=today
    )
    return figures.as_csv(counted).encode("utf-8-sig"), f"BDSCP figures {year}.csv", "text/csv"


SERVICES_AT = web.AppKey("download_services_key", web.AppKey)


def _services(request: web.Request) -> Services:
    return request.app[request.app[SERVICES_AT]]  # type: ignore[no-any-return]


def add_routes(app: web.Application, settings: Settings, services: web.AppKey[Services]) -> None:
    """The download and chart routes (``services``: where the app keeps its Services, once
    started); Entra sign-in checked outside local mode."""
    app[SERVICES_AT] = services
    if not settings.local:
        sign_in = EntraSignIn(settings)
        app[SIGN_IN] = sign_in

        async def close(_app: web.Application) -> None:
            await sign_in.close()

        app.on_cleanup.append(close)
    app.router.add_post(SIGNED_IN, _use)  # before the link's own address, which it would match
    app.router.add_get("/downloads/{token}", _open)
    app.router.add_post("/downloads/{token}", _use)
    app.router.add_get("/charts/figures.png", _chart)
