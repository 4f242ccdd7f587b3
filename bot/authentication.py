"""``CaseReviewAuthentication``: the adapter's ``BotFrameworkAuthentication``, built from the
settings: inbound tokens checked by ``bot.auth``, outbound ones from ``bot.credentials``, and
one connector client per service URL, its token made ready (bounded) before it is handed out.
In local mode (the local Teams client) nothing is checked and nothing signed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import aiohttp
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.auth._user_token_client_impl import _UserTokenClientImpl

from bot.auth import (
    ANONYMOUS,
    CALLER_ID,
    OAUTH_ENDPOINT,
    AuthenticationError,
    AuthUnavailable,
    Clock,
    SigningKeys,
    validate_channel_token,
)
from bot.credentials import BotCredentials
from bot.settings import Settings

log = logging.getLogger(__name__)


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
