"""The adapter layer on botbuilder's CloudAdapter.

Three things the stock 4.17.1 adapter gets wrong or makes expensive, mended here once:

1. Invoke bodies are serialised twice (``ActivityHandler._create_invoke_response`` and
   ``CloudAdapter.process`` both call ``serializer_helper``), so every ``adaptiveCard/action``
   answer and every ``expectReplies`` answer is an HTTP 500. ``process`` below serialises a
   body only when it is still a model object.
2. Its authentication blocks the event loop (inbound key fetches, outbound Entra tokens) and
   builds new ``ConnectorClient`` and ``TokenApiClient`` objects every turn.
   ``bot.authentication.CaseReviewAuthentication`` replaces it: nothing blocks, and one client per
   service URL is kept.
3. Turn errors are handled once (``on_turn_error``): logged with a correlation id, the user told
   in plain words, no stack trace, nothing they typed thrown away.

``process`` is the edge: one map from every failure to an HTTP answer (see the class), and the
tenant check (``channelData.tenant.id`` and ``conversation.tenantId``, which must agree and be
the configured tenant): logged, no reply, nothing stored.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
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
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, Attachment, DeliveryModes
from msrest.exceptions import DeserializationError  # type: ignore[attr-defined]
from msrest.serialization import Model

from bot.auth import AuthenticationError, AuthUnavailable
from bot.authentication import CaseReviewAuthentication
from bot.health import DatabaseHealth, database_unavailable
from bot.settings import Settings
from cards.common import CARD_CONTENT_TYPE
from storage.case_keys import CasePurged

log = logging.getLogger(__name__)

PURGED_TEXT = (
    "The personal details of {reference} were removed under the retention policy: its "
    "timeline and decisions remain (**timeline {reference}**), but what was written about the "
    "child and family can no longer be read."
)
UNAVAILABLE_TEXT = (
    "I can't reach the case database just now, so I couldn't do that. Nothing was saved "
    "half-way and nothing you entered has been lost: try again shortly."
)
ERROR_TEXT = (
    "Sorry, something went wrong on my side and I could not finish that (reference {ref}). "
    "Nothing you entered has been lost: try again in a moment, and if it keeps happening, "
    "give the reference to the BDSCP Business Unit."
)


def activity_tenant(body: dict[str, Any]) -> str | None:
    """The tenant of a raw activity, or None when it names none, or two that disagree.

    Teams sends ``channelData.tenant.id`` and ``conversation.tenantId``, sometimes only one
    of them (and the SDK's model drops ``tenantId``), so both are read from the raw body.
    """
    found: set[str] = set()
    channel_data = body.get("channelData")
    if isinstance(channel_data, dict):
        tenant = channel_data.get("tenant")
        if isinstance(tenant, dict) and isinstance(tenant.get("id"), str) and tenant["id"]:
            found.add(tenant["id"])
    conversation = body.get("conversation")
    if isinstance(conversation, dict):
        tenant_id = conversation.get("tenantId")
        if isinstance(tenant_id, str) and tenant_id:
            found.add(tenant_id)
    return found.pop() if len(found) == 1 else None


_OBJECT_FIELDS = ("conversation", "from", "recipient", "channelData")
_STRING_FIELDS = ("id", "serviceUrl", "channelId", "text", "name", "replyToId", "locale")
_LIST_FIELDS = ("attachments", "entities", "membersAdded", "membersRemoved")
# Inside those objects: what must be an object, and the ids that must be strings.
_NESTED_OBJECTS: tuple[tuple[str, ...], ...] = (
    ("channelData", "tenant"),
    ("channelData", "team"),
    ("channelData", "channel"),
)
_NESTED_STRINGS: tuple[tuple[str, ...], ...] = (
    ("channelData", "tenant", "id"),
    ("channelData", "team", "id"),
    ("channelData", "channel", "id"),
    ("conversation", "id"),
    ("conversation", "tenantId"),
    ("conversation", "conversationType"),
    ("from", "id"),
    ("from", "aadObjectId"),
    ("from", "name"),
    ("recipient", "id"),
)


def _at(body: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = body
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def activity_shape_problem(body: Any) -> str | None:
    """Why ``body`` cannot be an activity (checked before the SDK's model sees it), or None."""
    if not isinstance(body, dict):
        return "body is not an activity"
    if not isinstance(body.get("type"), str) or not body["type"]:
        return "activity has no type"
    for name in _OBJECT_FIELDS:
        if body.get(name) is not None and not isinstance(body[name], dict):
            return f"{name} must be an object"
    for name in _STRING_FIELDS:
        if body.get(name) is not None and not isinstance(body[name], str):
            return f"{name} must be a string"
    for name in _LIST_FIELDS:
        value = body.get(name)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(item, dict) for item in value)
        ):
            return f"{name} must be a list of objects"
    for path in _NESTED_OBJECTS:
        value = _at(body, path)
        if value is not None and not isinstance(value, dict):
            return f"{'.'.join(path)} must be an object"
    for path in _NESTED_STRINGS:
        value = _at(body, path)
        if value is not None and not isinstance(value, str):
            return f"{'.'.join(path)} must be a string"
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


def _answer(status: int, text: str, **headers: str) -> web.Response:
    return web.json_response({"error": text}, status=status, headers=headers or None)


class CaseReviewAdapter(CloudAdapter):  # type: ignore[misc]
    """Every way a request can fail maps to one HTTP answer here, with one short log line:
    malformed JSON or activity 400, authentication 401, another tenant 403, too large 413,
    identity service unreachable 503, anything unexpected 500 with a reference."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.health = DatabaseHealth()
        self.auth = CaseReviewAuthentication(settings, clock)
        super().__init__(self.auth)
        self._allowed_tenant = settings.allowed_tenant_id
        self._local = settings.local
        self.on_turn_error = self._on_turn_error

    async def process(
        self, request: web.Request, bot: Bot, ws_response: Any = None
    ) -> web.Response:
        if request.method != "POST":
            raise web.HTTPMethodNotAllowed(request.method, ["POST"])
        if "application/json" not in request.headers.get("Content-Type", ""):
            return _answer(415, "send application/json")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            log.warning("request refused: too large", extra={"bytes": request.content_length})
            return _answer(413, "request too large")
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):  # JSONDecodeError and bad UTF-8 are ValueErrors
            return _answer(400, "body is not JSON")
        problem = activity_shape_problem(body)
        if problem is None:
            try:
                activity: Activity = Activity().deserialize(body)
            except (DeserializationError, RecursionError, ValueError, TypeError, AttributeError):
                problem = "activity is malformed"
        if problem is not None:
            log.warning("request refused: malformed", extra={"problem": problem})
            return _answer(400, problem)

        try:
            auth_result = await self.auth.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except AuthenticationError as error:
            log.warning(
                "request refused: not authenticated",
                extra={"reason": str(error)[:120], "type": activity.type},
            )
            return _answer(401, "not authenticated")
        except AuthUnavailable as error:
            log.warning("request deferred: %s", error, extra={"type": activity.type})
            return _answer(503, "try again shortly", **{"Retry-After": "10"})

        conversation = activity.conversation
        if (
            self._local
            and conversation is not None
            and conversation.conversation_type is None
            and not conversation.is_group
        ):
            # The local client (Agents Playground 0.2.28) sends a 1:1 chat with no type at
            # all; Teams always says "personal". Only in local mode is this read as 1:1.
            conversation.conversation_type = "personal"

        tenant = activity_tenant(body)
        if tenant is None or tenant != self._allowed_tenant:
            log.warning(
                "activity refused: tenant not allowed",
                extra={"tenant": tenant, "type": activity.type},
            )
            return _answer(403, "tenant not allowed")

        try:
            invoke_response: InvokeResponse | None = await self.process_activity(
                auth_result, activity, bot.on_turn
            )
        except AuthUnavailable as error:
            log.warning("turn deferred: %s", error, extra={"type": activity.type})
            return _answer(503, "try again shortly", **{"Retry-After": "10"})
        except Exception:
            ref = correlation_id()
            log.exception("request failed (reference %s)", ref, extra={"correlation_id": ref})
            return _answer(500, f"internal error (reference {ref})")
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
        if isinstance(error, CasePurged):  # not a failure: what was asked no longer exists
            log.info("asked for a purged case's details", extra={"case": str(error)[:16]})
            await self._tell(context, PURGED_TEXT.format(reference=str(error)[:16]), ref)
            return
        if database_unavailable(error):  # the transaction rolled back: nothing half-written
            self.health.turn_failed(datetime.now(UTC))
            log.warning(
                "turn failed: the database did not answer (reference %s)",
                ref,
                extra={"correlation_id": ref, "error": type(error).__name__},
            )
            await self._tell(context, UNAVAILABLE_TEXT, ref)
            return
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
        await self._tell(context, ERROR_TEXT.format(ref=ref), ref)

    async def _tell(self, context: TurnContext, text: str, ref: str) -> None:
        try:
            if context.activity.type == ActivityTypes.invoke:
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
