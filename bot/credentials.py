"""The bot's outbound token (``BotCredentials``): fetched with aiohttp (client credentials
grant) with a timeout, cached until five minutes before it expires and refreshed in the
background from then; msrest's synchronous ``signed_session`` only reads the cache.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import aiohttp
import requests
from botframework.connector.auth import (
    AppCredentials,
)

from bot.auth import (
    FETCH_TIMEOUT_SECONDS,
    TOKEN_EARLY_REFRESH_SECONDS,
    AuthUnavailable,
    Clock,
    SingleFlight,
    get_json,
)

log = logging.getLogger(__name__)


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
        self._refresh = SingleFlight(self._fetch, clock)

    @property
    def enabled(self) -> bool:
        return bool(self.microsoft_app_id)

    async def _fetch(self) -> None:
        body = await get_json(
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
