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
- ``bot.credentials.BotCredentials``: the outbound token, fetched with aiohttp (client
  credentials grant) with a timeout, cached until five minutes before it expires and
  refreshed in the background from then; msrest's synchronous ``signed_session`` only reads
  the cache. ``bot.authentication.CaseReviewAuthentication`` gives both to the adapter.

Failures are ``AuthenticationError`` (the caller is not who it says: 401) or
``AuthUnavailable`` (we cannot check or sign right now: 503); nothing else escapes.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
from botbuilder.schema import Activity
from botframework.connector.auth import (
    ClaimsIdentity,
)

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


class SingleFlight:
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


async def get_json(http: aiohttp.ClientSession, url: str, **kwargs: Any) -> Any:
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
        self._refresh = SingleFlight(self._load, clock)

    async def _load(self) -> None:
        http = self._http()
        metadata = await get_json(http, self.metadata_url)
        jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
        if not isinstance(jwks_uri, str):
            raise ValueError("metadata has no jwks_uri")
        document = await get_json(http, jwks_uri)
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
    # The key must be endorsed for the channel the activity claims to come from; a key that
    # endorses nothing endorses no channel (as the SDK's EndorsementsValidator).
    if (activity.channel_id or "") not in key.endorsements:
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
