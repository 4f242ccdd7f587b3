"""Bot Framework authentication that never blocks the event loop.

botbuilder 4.17 checks an inbound token by fetching the OpenID metadata and signing keys with
a blocking ``requests.get`` that has no timeout, on the event loop; a failed fetch is not
kept, so every forged token fetches again; an unknown ``kid`` raises ``IndexError``. Outbound,
msrest asks MSAL for an Entra token synchronously, also on the event loop. One forged token,
or a slow Microsoft endpoint, froze every user.

This module replaces both, on PyJWT (already what the SDK validates with) and aiohttp:

- ``SigningKeys``: the channel's signing keys, fetched asynchronously with short timeouts,
  one refresh in flight at a time, kept when a refresh fails; an unknown ``kid`` triggers at
  most one refresh a minute, and a failed fetch is not retried for a short while.
- ``validate_channel_token``: everything the SDK's ``ChannelValidation`` checks for a token
  from the Bot Framework channel service: the ``Bearer`` scheme, an allowed RSA algorithm (so
  never ``none``), the issuer, a known signing key that endorses the activity's channel
  (``msteams``), the signature, the audience (our app id), expiry and not-before with five
  minutes' clock skew, and the ``serviceurl`` claim against the activity's ``serviceUrl``.
  Emulator and skill tokens are not accepted: this bot talks to Teams only.
- ``BotCredentials``: the outbound token, fetched with aiohttp (client credentials grant) with
  a timeout, cached until five minutes before it expires and refreshed in the background
  from then; msrest's synchronous ``signed_session`` only reads the cache.

Failures are ``AuthenticationError`` (the caller is not who it says: 401) or
``AuthUnavailable`` (we cannot check or sign right now: 503); nothing else escapes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
import requests
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AppCredentials,
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.auth._user_token_client_impl import _UserTokenClientImpl

from bot.settings import Settings

log = logging.getLogger(__name__)

ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512")
CLOCK_SKEW_SECONDS = 5 * 60
FETCH_TIMEOUT_SECONDS = 5.0  # one metadata, keys or token fetch, connection included
RETRY_AFTER_FAILURE_SECONDS = 15.0  # a failed fetch is not tried again sooner
UNKNOWN_KID_REFRESH_SECONDS = 60.0  # an unknown key id refreshes the keys at most this often
KEYS_MAX_AGE_SECONDS = 24 * 3600
TOKEN_EARLY_REFRESH_SECONDS = 5 * 60
MAX_DOCUMENT_BYTES = 512 * 1024
OAUTH_ENDPOINT = "https://api.botframework.com"
ANONYMOUS = "anonymous"
CALLER_ID = "urn:botframework:azure"


class AuthenticationError(PermissionError):
    """The request's credentials are missing or wrong: answer 401."""


class AuthUnavailable(Exception):
    """Credentials cannot be checked or obtained right now (an identity endpoint is down or
    slow): answer 503, try again later."""


Clock = Callable[[], float]


class _SingleFlight:
    """At most one fetch in flight; callers share it and wait no longer than they choose.

    A failure is remembered for ``RETRY_AFTER_FAILURE_SECONDS``: callers in that window fail
    at once instead of each starting a fetch that will likely hang again.
    """

    def __init__(self, fetch: Callable[[], Awaitable[None]], clock: Clock) -> None:
        self._fetch = fetch
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self.failed_at: float | None = None

    def cooling_down(self) -> bool:
        return (
            self.failed_at is not None
            and self._clock() - self.failed_at < RETRY_AFTER_FAILURE_SECONDS
        )

    def start(self) -> asyncio.Task[None]:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
            self._task.add_done_callback(_ignore_result)  # failures are logged in _run
        return self._task

    async def _run(self) -> None:
        try:
            await asyncio.wait_for(self._fetch(), FETCH_TIMEOUT_SECONDS * 2)
        except Exception as error:
            self.failed_at = self._clock()
            log.warning("identity fetch failed", extra={"error": _describe(error)})
            raise
        self.failed_at = None

    async def wait(self, timeout: float) -> bool:
        """Start (or join) the fetch and wait for it; True when it succeeded."""
        task = self.start()
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout)
        except Exception:
            return False
        return True

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


def _describe(error: BaseException) -> str:
    text = type(error).__name__
    status = getattr(error, "status", None)
    return f"{text} {status}" if status else text


async def _get_json(http: aiohttp.ClientSession, url: str, **kwargs: Any) -> Any:
    method = "POST" if "data" in kwargs else "GET"
    timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
    async with http.request(method, url, timeout=timeout, **kwargs) as response:
        response.raise_for_status()
        body = await response.content.read(MAX_DOCUMENT_BYTES + 1)
        if len(body) > MAX_DOCUMENT_BYTES:
            raise ValueError("document too large")
        return json.loads(body)


@dataclass(frozen=True)
class SigningKey:
    key: Any
    endorsements: frozenset[str]


class SigningKeys:
    """The channel service's signing keys, from its OpenID metadata document."""

    def __init__(
        self, metadata_url: str, http: Callable[[], aiohttp.ClientSession], clock: Clock
    ) -> None:
        self.metadata_url = metadata_url
        self._http = http
        self._clock = clock
        self._keys: dict[str, SigningKey] = {}
        self._loaded_at: float | None = None
        self._unknown_kid_refresh_at: float | None = None
        self._refresh = _SingleFlight(self._load, clock)

    async def _load(self) -> None:
        http = self._http()
        metadata = await _get_json(http, self.metadata_url)
        jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
        if not isinstance(jwks_uri, str):
            raise ValueError("metadata has no jwks_uri")
        document = await _get_json(http, jwks_uri)
        found: dict[str, SigningKey] = {}
        for entry in document.get("keys", []) if isinstance(document, dict) else []:
            if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
                continue
            try:
                key = jwt.PyJWK(entry, algorithm="RS256").key
            except (jwt.PyJWTError, ValueError, TypeError, KeyError):
                log.warning("signing key skipped: unreadable", extra={"kid": entry["kid"][:64]})
                continue
            endorsements = entry.get("endorsements")
            found[entry["kid"]] = SigningKey(
                key,
                frozenset(e for e in endorsements if isinstance(e, str))
                if isinstance(endorsements, list)
                else frozenset(),
            )
        if not found:
            raise ValueError("no usable signing keys")
        self._keys = found
        self._loaded_at = self._clock()
        log.info("signing keys loaded", extra={"keys": len(found)})

    def warm(self) -> None:
        """Fetch the keys in the background (at start-up), so the first request need not."""
        self._refresh.start()

    async def get(self, kid: str) -> SigningKey:
        now = self._clock()
        stale = self._loaded_at is None or now - self._loaded_at > KEYS_MAX_AGE_SECONDS
        key = self._keys.get(kid)
        if key is not None:
            if stale and not self._refresh.cooling_down():
                self._refresh.start()  # keep using these
            return key
        if not self._keys:
            # Nothing to check against yet: fetch (or join the fetch), unless one just failed.
            if self._refresh.cooling_down() or not await self._refresh.wait(FETCH_TIMEOUT_SECONDS):
                raise AuthUnavailable("the channel's signing keys cannot be fetched")
        else:
            last = self._unknown_kid_refresh_at
            if last is None or now - last >= UNKNOWN_KID_REFRESH_SECONDS:
                self._unknown_kid_refresh_at = now
                await self._refresh.wait(FETCH_TIMEOUT_SECONDS)
        key = self._keys.get(kid)
        if key is None:
            raise AuthenticationError("token signed by an unknown key")
        return key

    async def close(self) -> None:
        await self._refresh.close()


def _ignore_result(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: the failure was logged where it happened


async def validate_channel_token(
    *,
    auth_header: str,
    activity: Activity,
    app_id: str,
    issuer: str,
    keys: SigningKeys,
    now: float,
) -> ClaimsIdentity:
    """Check a token from the Bot Framework channel service; return its claims."""
    scheme, _, token = (auth_header or "").partition(" ")
    if scheme != "Bearer" or not token.strip():
        raise AuthenticationError("no Bearer token")
    token = token.strip()
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise AuthenticationError(f"malformed token ({type(error).__name__})") from None
    algorithm = header.get("alg")
    if algorithm not in ALLOWED_ALGORITHMS:
        raise AuthenticationError("token algorithm not allowed")
    if unverified.get("iss") != issuer:
        raise AuthenticationError("token issuer not trusted")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise AuthenticationError("token names no signing key")
    key = await keys.get(kid)
    # The key must be endorsed for the channel the activity claims to come from.
    if key.endorsements and (activity.channel_id or "") not in key.endorsements:
        raise AuthenticationError("signing key not endorsed for this channel")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=[algorithm],
            audience=app_id,
            issuer=issuer,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.PyJWTError as error:
        raise AuthenticationError(f"token refused ({type(error).__name__})") from None
    # PyJWT checks against the system clock; check the injected one as well (tests, skew).
    if float(claims["exp"]) + CLOCK_SKEW_SECONDS < now:
        raise AuthenticationError("token expired")
    nbf = claims.get("nbf")
    if isinstance(nbf, int | float) and float(nbf) - CLOCK_SKEW_SECONDS > now:
        raise AuthenticationError("token not yet valid")
    if claims.get("serviceurl") != activity.service_url:
        raise AuthenticationError("serviceurl claim does not match the activity")
    return ClaimsIdentity(claims, True)


class BotCredentials(AppCredentials):  # type: ignore[misc]
    """The bot's outbound token, for msrest. ``signed_session`` never fetches: call
    ``ensure_token`` (async, bounded) first; ``CaseReviewAuthentication`` does, for every
    connector it hands out."""

    def __init__(
        self,
        *,
        app_id: str,
        password: str,
        token_url: str,
        scope: str,
        http: Callable[[], aiohttp.ClientSession],
        clock: Clock,
    ) -> None:
        super().__init__(app_id=app_id, oauth_scope=scope)
        self._password = password
        self._token_url = token_url
        self._scope = scope if scope.endswith("/.default") else scope + "/.default"
        self._http = http
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._refresh = _SingleFlight(self._fetch, clock)

    @property
    def enabled(self) -> bool:
        return bool(self.microsoft_app_id)

    async def _fetch(self) -> None:
        body = await _get_json(
            self._http(),
            self._token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": self.microsoft_app_id,
                "client_secret": self._password,
                "scope": self._scope,
            },
        )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ValueError("token response has no access_token")
        try:
            lifetime = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        self._token = token
        self._expires_at = self._clock() + lifetime
        log.info("bot token obtained", extra={"expires_in": int(lifetime)})

    def _valid(self) -> bool:
        return self._token is not None and self._clock() < self._expires_at - 30

    async def ensure_token(self) -> None:
        """A usable token, fetched if need be within a few seconds, or ``AuthUnavailable``."""
        if not self.enabled:
            return
        if self._valid():
            expiring = self._clock() >= self._expires_at - TOKEN_EARLY_REFRESH_SECONDS
            if expiring and not self._refresh.cooling_down():
                self._refresh.start()  # in the background; this token is still good
            return
        if self._refresh.cooling_down() or not await self._refresh.wait(FETCH_TIMEOUT_SECONDS):
            raise AuthUnavailable("the bot's token cannot be obtained")
        if not self._valid():
            raise AuthUnavailable("the bot's token cannot be obtained")

    def get_access_token(self, force_refresh: bool = False) -> str:
        if not self._valid():
            raise AuthUnavailable("no bot token at hand")
        assert self._token is not None
        return self._token

    def signed_session(self, session: requests.Session | None = None) -> requests.Session:
        session = session or requests.Session()
        if self.enabled:
            session.headers["Authorization"] = f"Bearer {self.get_access_token()}"
        else:
            session.headers.pop("Authorization", None)
        return session

    async def close(self) -> None:
        await self._refresh.close()


class _ConnectorFactory(ConnectorFactory):  # type: ignore[misc]
    """One connector client per service URL, shared by every turn; the token is made ready
    (bounded) before each is handed out."""

    def __init__(self, auth: CaseReviewAuthentication) -> None:
        self._auth = auth

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        return await self._auth.connector(service_url)


class CaseReviewAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    def __init__(self, settings: Settings, clock: Clock = time.time) -> None:
        self.enabled = not settings.local
        self._clock = clock
        self._app_id = settings.app_id if self.enabled else ""
        self._issuer = settings.token_issuer
        self._http_session: aiohttp.ClientSession | None = None
        self.keys = SigningKeys(settings.openid_metadata_url, self._http, clock)
        self.credentials = BotCredentials(
            app_id=self._app_id,
            password=settings.app_password.get_secret_value() if self.enabled else "",
            token_url=settings.token_url,
            scope=settings.oauth_scope,
            http=self._http,
            clock=clock,
        )
        self._factory = _ConnectorFactory(self)
        self._connectors: dict[str, ConnectorClient] = {}
        self._user_token_client: UserTokenClient | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._http_session is None or self._http_session.closed:
            self._http_session = aiohttp.ClientSession()
        return self._http_session

    def start(self) -> None:
        """At start-up: fetch keys and token in the background, so no request waits for them."""
        if not self.enabled:
            return
        self.keys.warm()

        async def token() -> None:
            with contextlib.suppress(AuthUnavailable):  # logged; the next use tries again
                await self.credentials.ensure_token()

        self._warming = asyncio.create_task(token())

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        if self.enabled:
            identity = await validate_channel_token(
                auth_header=auth_header,
                activity=activity,
                app_id=self._app_id,
                issuer=self._issuer,
                keys=self.keys,
                now=self._clock(),
            )
        else:
            # Local mode: loopback only, authentication off (as the SDK does with no app id).
            identity = ClaimsIdentity({}, True, ANONYMOUS)
        result = AuthenticateRequestResult()
        result.claims_identity = identity
        result.audience = OAUTH_ENDPOINT
        result.caller_id = CALLER_ID if self.enabled else None
        result.connector_factory = self._factory
        return result

    async def connector(self, service_url: str) -> ConnectorClient:
        await self.credentials.ensure_token()
        client = self._connectors.get(service_url)
        if client is None:
            client = ConnectorClient(self.credentials, base_url=service_url)
            self._connectors[service_url] = client
        return client

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._factory

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        # Built once: the bot uses no OAuth sign-in, but the SDK puts one on every turn.
        if self._user_token_client is None:
            self._user_token_client = _UserTokenClientImpl(
                self._app_id, self.credentials, OAUTH_ENDPOINT
            )
        return self._user_token_client

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        raise AuthenticationError("streaming is not supported")

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        raise AuthenticationError("skill callbacks are not supported")

    def create_bot_framework_client(self) -> Any:
        raise NotImplementedError("skills are not supported")

    def get_originating_audience(self) -> str:
        return OAUTH_ENDPOINT

    async def close(self) -> None:
        warming = getattr(self, "_warming", None)
        if warming is not None and not warming.done():
            warming.cancel()
            await asyncio.gather(warming, return_exceptions=True)
        await self.keys.close()
        await self.credentials.close()
        for client in self._connectors.values():
            try:
                await client.close()
            except Exception:
                log.debug("connector close failed", exc_info=True)
        self._connectors.clear()
        if self._http_session is not None:
            await self._http_session.close()
