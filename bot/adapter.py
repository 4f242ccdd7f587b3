"""The adapter layer on botbuilder's CloudAdapter.

Three things the stock 4.17.1 adapter gets wrong or makes expensive, mended here once:

1. Invoke bodies are serialised twice (``ActivityHandler._create_invoke_response`` and
   ``CloudAdapter.process`` both call ``serializer_helper``), so every ``adaptiveCard/action``
   answer and every ``expectReplies`` answer is an HTTP 500. ``process`` below serialises a
   body only when it is still a model object.
2. Every turn builds a new ``ConnectorClient`` and ``TokenApiClient``; msrest's retry set-up
   alone costs most of a stock turn. ``CachingBotFrameworkAuthentication`` keeps one client per
   (app id, service URL, audience) and one token client per app id.
3. Turn errors are handled once (``on_turn_error``): logged with a correlation id, the user told
   in plain words, no stack trace, nothing they typed thrown away.

It also refuses activities from any tenant but the configured one: logged, no reply, nothing
stored.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from aiohttp import web
from botbuilder.core import (
    Bot,
    InvokeResponse,
    MessageFactory,
    TurnContext,
    serializer_helper,
)
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, ActivityTypes, Attachment, DeliveryModes
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.auth._built_in_bot_framework_authentication import (
    _BuiltinBotFrameworkAuthentication,
)
from msrest.serialization import Model

from bot.settings import Settings
from cards.common import CARD_CONTENT_TYPE

log = logging.getLogger(__name__)

ERROR_TEXT = (
    "Sorry, something went wrong on my side and I could not finish that (reference {ref}). "
    "Nothing you entered has been lost: try again in a moment, and if it keeps happening, "
    "give the reference to the BDSCP Business Unit."
)


class _SettingsConfiguration:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, settings: Settings) -> None:
        if settings.local:
            # Authentication off: an empty app id is how botbuilder says so. Settings only
            # allow this on a loopback address.
            self.APP_ID = ""
            self.APP_PASSWORD = ""
            self.APP_TYPE = "MultiTenant"
            self.APP_TENANTID = ""
        else:
            self.APP_ID = settings.app_id
            self.APP_PASSWORD = settings.app_password
            self.APP_TYPE = settings.app_type
            self.APP_TENANTID = settings.app_tenant_id


def _app_id(claims_identity: ClaimsIdentity | None) -> str:
    if claims_identity is None:
        return ""
    return _BuiltinBotFrameworkAuthentication.get_app_id(claims_identity) or ""


class _CachingConnectorFactory(ConnectorFactory):  # type: ignore[misc]
    def __init__(
        self,
        inner: ConnectorFactory,
        cache: dict[tuple[str, str, str | None], ConnectorClient],
        app_id: str,
    ) -> None:
        self._inner = inner
        self._cache = cache
        self._app_id = app_id

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (self._app_id, service_url, audience)
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            self._cache[key] = client
        return client


class CachingBotFrameworkAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """Delegates to the real authentication; keeps the clients it makes."""

    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self._inner = inner
        self._connectors: dict[tuple[str, str, str | None], ConnectorClient] = {}
        self._token_clients: dict[str, UserTokenClient] = {}

    def _wrap(self, factory: ConnectorFactory | None, claims: ClaimsIdentity | None) -> Any:
        if factory is None or isinstance(factory, _CachingConnectorFactory):
            return factory
        return _CachingConnectorFactory(factory, self._connectors, _app_id(claims))

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_request(activity, auth_header)
        result.connector_factory = self._wrap(result.connector_factory, result.claims_identity)
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._wrap(self._inner.create_connector_factory(claims_identity), claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = _app_id(claims_identity)
        client = self._token_clients.get(key)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            self._token_clients[key] = client
        return client

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)

    async def close(self) -> None:
        for client in self._connectors.values():
            try:
                await client.close()
            except Exception:
                log.debug("connector close failed", exc_info=True)
        self._connectors.clear()
        self._token_clients.clear()


def activity_tenant(body: dict[str, Any]) -> str | None:
    """The tenant of a raw activity: ``channelData.tenant.id`` (the model drops tenantId)."""
    channel_data = body.get("channelData")
    if isinstance(channel_data, dict):
        tenant = channel_data.get("tenant")
        if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
            return str(tenant["id"])
    return None


class SharedCard(dict[str, Any]):
    """A rendered card, never changed after it is built.

    ``TurnContext.send_activities`` deep-copies every outgoing activity; for a card that copy
    is pure cost, so this content is shared instead. msrest serialises only exact ``dict``s,
    so ``CaseReviewAdapter`` hands it a plain copy of the top level before sending.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> SharedCard:
        return self


def card_attachment(card: dict[str, Any]) -> Attachment:
    return Attachment(content_type=CARD_CONTENT_TYPE, content=SharedCard(card))


def _plain_cards(activity: Activity) -> None:
    for attachment in activity.attachments or []:
        if isinstance(attachment.content, SharedCard):
            attachment.content = dict(attachment.content)


def serialize_activity(activity: Activity) -> dict[str, Any]:
    """``activity.serialize()``, without msrest walking card contents that are already JSON.

    Our cards are plain dicts; msrest would recurse through every element as an untyped
    object, which is most of the cost of answering a card turn.
    """
    attachments = activity.attachments or []
    kept: list[Any] = []
    for attachment in attachments:
        content = getattr(attachment, "content", None)
        if isinstance(content, dict | list | str):
            kept.append(content)
            attachment.content = None
        else:
            kept.append(None)
    try:
        data: dict[str, Any] = activity.serialize()
    finally:
        for attachment, content in zip(attachments, kept, strict=True):
            if content is not None:
                attachment.content = content
    for serialized, content in zip(data.get("attachments") or [], kept, strict=False):
        if content is not None:
            serialized["content"] = content
    return data


def correlation_id() -> str:
    return uuid.uuid4().hex[:10].upper()


class CaseReviewAdapter(CloudAdapter):  # type: ignore[misc]
    def __init__(self, settings: Settings) -> None:
        self.auth = CachingBotFrameworkAuthentication(
            ConfigurationBotFrameworkAuthentication(_SettingsConfiguration(settings))
        )
        super().__init__(self.auth)
        self._allowed_tenant = settings.allowed_tenant_id
        self.on_turn_error = self._on_turn_error

    async def process(
        self, request: web.Request, bot: Bot, ws_response: Any = None
    ) -> web.Response:
        if request.method != "POST":
            raise web.HTTPMethodNotAllowed(request.method, ["POST"])
        if "application/json" not in request.headers.get("Content-Type", ""):
            raise web.HTTPUnsupportedMediaType()
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise web.HTTPBadRequest(text="body is not JSON") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="body is not an activity")
        activity: Activity = Activity().deserialize(body)
        if not activity.type:
            raise web.HTTPBadRequest(text="activity has no type")

        try:
            auth_result = await self.auth.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except PermissionError:
            log.warning("request refused: not authenticated", extra={"type": activity.type})
            raise web.HTTPUnauthorized() from None

        tenant = activity_tenant(body)
        if tenant != self._allowed_tenant:
            log.warning(
                "activity refused: tenant not allowed",
                extra={"tenant": tenant, "type": activity.type},
            )
            raise web.HTTPForbidden(text="tenant not allowed")

        invoke_response: InvokeResponse | None = await self.process_activity(
            auth_result, activity, bot.on_turn
        )
        if invoke_response is None:
            return web.Response(status=HTTPStatus.OK)
        body_out = invoke_response.body
        if isinstance(body_out, Model):
            body_out = serializer_helper(body_out)
        return web.json_response(data=body_out, status=int(invoke_response.status))

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> Any:
        for activity in activities:
            _plain_cards(activity)
        return await super().send_activities(context, activities)

    async def update_activity(self, context: TurnContext, activity: Activity) -> Any:
        _plain_cards(activity)
        return await super().update_activity(context, activity)

    def _process_turn_results(self, context: TurnContext) -> InvokeResponse | None:
        if context.activity.delivery_mode == DeliveryModes.expect_replies:
            return InvokeResponse(
                status=HTTPStatus.OK,
                body={
                    "activities": [serialize_activity(a) for a in context.buffered_reply_activities]
                },
            )
        return super()._process_turn_results(context)

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        ref = correlation_id()
        activity = context.activity
        log.error(
            "turn failed (reference %s)",
            ref,
            exc_info=error,
            extra={
                "correlation_id": ref,
                "activity_type": activity.type,
                "activity_name": activity.name,
                "conversation_type": getattr(activity.conversation, "conversation_type", None),
            },
        )
        text = ERROR_TEXT.format(ref=ref)
        try:
            if activity.type == ActivityTypes.invoke:
                await context.send_activity(
                    Activity(
                        type=ActivityTypes.invoke_response,
                        value=InvokeResponse(
                            status=HTTPStatus.OK,
                            body={
                                "statusCode": 200,
                                "type": "application/vnd.microsoft.activity.message",
                                "value": text,
                            },
                        ),
                    )
                )
            else:
                await context.send_activity(MessageFactory.text(text))
        except Exception:
            log.error("could not tell the user about a failed turn", extra={"correlation_id": ref})


OnTurn = Callable[[TurnContext], Awaitable[None]]
