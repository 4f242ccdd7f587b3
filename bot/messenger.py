"""Sending to Teams: 1:1 chats (opened through the team when need be), posting and updating
cards in the case review channel, learning the team roster. The outbox dispatcher sends
through this, behind the ``Messenger`` interface (tests use their own); nothing here knows of
retries or the outbox.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapter import CaseReviewAdapter, card_attachment
from flows.context import ReviewChannel
from storage import outbox
from storage.conversations import (
    ConversationInfo,
    channel_route,
    get_conversation,
    get_personal_conversation,
    save_conversation,
    set_reachable,
)
from storage.db import transaction
from storage.models import ConversationRef
from storage.people import get_person, save_person

log = logging.getLogger(__name__)


class Unreachable(Exception):
    """Nobody to send to yet (no chat with the person, no team install): try again later."""


class ChannelGone(Exception):
    """The case review channel cannot be reached any more (bot removed, team archived or
    deleted, channel deleted): hold the message until the bot is back."""


class Messenger(Protocol):
    """What the outbox dispatcher needs of Teams."""

    async def send_to_person(self, aad_id: str, card: dict[str, Any], summary: str) -> None:
        """Send ``card`` to the person's 1:1 chat. Raises ``Unreachable`` when nobody can be
        reached yet, or the connector's error."""

    async def post_to_channel(
        self, channel_id: str, card: dict[str, Any], card_key: str | None, summary: str
    ) -> tuple[str, str] | None:
        """Post ``card`` (or update the one posted under ``card_key``); return where a new
        post went. Raises ``ChannelGone``, ``Unreachable`` or the connector's error."""

    async def wait_idle(self) -> None:
        """Wait for background work (a roster sync) to finish."""


def _reference(row: ConversationRef) -> ConversationReference:
    return ConversationReference().deserialize(json.loads(row.reference))


def _capturing(
    work: Callable[[TurnContext], Any], result: dict[str, Any]
) -> Callable[[TurnContext], Any]:
    """Run ``work`` in a proactive turn, keeping its result or its error.

    The adapter hands errors raised inside a turn to its turn-error handler, which would
    swallow them; the outbox must see them to retry.
    """

    async def callback(tc: TurnContext) -> None:
        try:
            result["value"] = await work(tc)
        except Exception as error:
            result["error"] = error

    return callback


def _outcome(result: dict[str, Any]) -> Any:
    if "error" in result:
        raise result["error"]
    return result.get("value")


class TeamsMessenger:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        adapter: CaseReviewAdapter,
        app_id: str,
        tenant_id: str,
        channel: ReviewChannel,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.adapter = adapter
        self.app_id = app_id
        self.tenant_id = tenant_id
        self.channel = channel  # the case review channel (one holder: flows/context.py)
        self._background: set[asyncio.Task[None]] = set()

    async def wait_idle(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def _activity(self, card: dict[str, Any], summary: str) -> Activity:
        activity = MessageFactory.attachment(card_attachment(card))
        activity.summary = summary
        return activity

    async def _continue(
        self, reference: ConversationReference, work: Callable[[TurnContext], Any]
    ) -> Any:
        result: dict[str, Any] = {}
        await self.adapter.continue_conversation(
            reference, _capturing(work, result), bot_app_id=self.app_id
        )
        return _outcome(result)

    async def send_to_person(self, aad_id: str, card: dict[str, Any], summary: str) -> None:
        async with self.sessions() as session:
            row = await get_personal_conversation(session=session, user_aad_id=aad_id)
        activity = self._activity(card, summary)
        if row is not None:
            await self._continue(_reference(row), lambda tc: tc.send_activity(activity))
            return
        await self.open_personal_chat(aad_id, lambda tc: tc.send_activity(activity))

    async def open_personal_chat(self, aad_id: str, work: Callable[[TurnContext], Any]) -> None:
        """Start a 1:1 chat with a member of the bot's team and run ``work`` in it."""
        async with self.sessions() as session:
            person = await get_person(session=session, aad_object_id=aad_id)
            team, _ = await channel_route(session=session, channel_id=self.channel.id)
        if team is None:
            raise Unreachable("the bot is not installed in a team yet")
        if person is None:
            await self.sync_roster(team)
            async with self.sessions() as session:
                person = await get_person(session=session, aad_object_id=aad_id)
        if person is None:
            raise Unreachable("that person is not a member of the bot's team")
        team_reference = _reference(team)
        await self.open_chat(
            teams_user_id=person.teams_user_id,
            aad_id=aad_id,
            bot=team_reference.bot,
            service_url=team_reference.service_url,
            work=work,
        )

    async def open_chat(
        self,
        *,
        teams_user_id: str,
        aad_id: str,
        bot: ChannelAccount,
        service_url: str,
        work: Callable[[TurnContext], Any],
    ) -> None:
        """Create (or, in Teams, reopen) the 1:1 chat with a person, remember it, run ``work``."""
        parameters = ConversationParameters(
            is_group=False,
            bot=bot,
            members=[ChannelAccount(id=teams_user_id)],
            tenant_id=self.tenant_id,
            channel_data={"tenant": {"id": self.tenant_id}},
        )

        async def callback(tc: TurnContext) -> None:
            reference = TurnContext.get_conversation_reference(tc.activity)
            reference.activity_id = None
            reference.user = ChannelAccount(id=teams_user_id, aad_object_id=aad_id)
            reference.bot = bot
            reference.conversation.conversation_type = "personal"
            async with transaction(self.sessions) as session:
                await save_conversation(
                    session=session,
                    now=self.clock(),
                    info=ConversationInfo(
                        conversation_id=tc.activity.conversation.id,
                        kind="personal",
                        user_aad_id=aad_id,
                        team_id=None,
                        channel_id=None,
                        tenant_id=self.tenant_id,
                        service_url=tc.activity.service_url,
                        reference_json=json.dumps(reference.serialize(), sort_keys=True),
                    ),
                )
                # Teams opened it for us: open again, whatever was known of it before.
                await set_reachable(
                    session=session,
                    now=self.clock(),
                    reachable=True,
                    conversation_id=tc.activity.conversation.id,
                )
            await work(tc)

        result: dict[str, Any] = {}
        await self.adapter.create_conversation(
            self.app_id,
            _capturing(callback, result),
            parameters,
            channel_id="msteams",
            service_url=service_url,
        )
        _outcome(result)

    def sync_roster_soon(self, conversation_id: str) -> None:
        async def run() -> None:
            try:
                async with self.sessions() as session:
                    team = await get_conversation(session=session, conversation_id=conversation_id)
                if team is not None:
                    await self.sync_roster(team)
            except Exception:
                log.warning("team roster sync failed", exc_info=True)

        self._background.add(task := asyncio.create_task(run()))
        task.add_done_callback(self._background.discard)

    async def sync_roster(self, team: ConversationRef) -> int:
        """Learn the team's members (Entra id -> Teams id, name) from Teams."""
        if not team.team_id:
            return 0
        team_id = team.team_id

        async def fetch(tc: TurnContext) -> list[Any]:
            found: list[Any] = []
            token = None
            while True:  # the paged API; Teams returns at most 500 a page
                page = await TeamsInfo.get_paged_team_members(tc, team_id, token, 500)
                found += page.members or []
                token = page.continuation_token
                if not token:
                    return found

        members = await self._continue(_reference(team), fetch)
        now = self.clock()
        async with transaction(self.sessions) as session:
            for member in members or []:
                extra = getattr(member, "additional_properties", None) or {}
                aad_id = member.aad_object_id or extra.get("objectId")
                if aad_id:
                    await save_person(
                        session=session,
                        aad_object_id=aad_id,
                        teams_user_id=member.id,
                        name=member.name or "",
                        now=now,
                    )
        log.info("team roster synced", extra={"members": len(members or [])})
        return len(members or [])

    async def post_to_channel(
        self, channel_id: str, card: dict[str, Any], card_key: str | None, summary: str
    ) -> tuple[str, str] | None:
        async with self.sessions() as session:
            team, gone = await channel_route(session=session, channel_id=channel_id)
            posted = (
                await outbox.get_posted_card(session=session, key=card_key) if card_key else None
            )
        if gone:
            raise ChannelGone("the case review channel cannot be reached")
        if team is None:
            raise Unreachable("the bot is not installed in a team yet")
        base = _reference(team)
        activity = self._activity(card, summary)
        if posted is not None:
            reference = ConversationReference(
                channel_id=base.channel_id,
                service_url=base.service_url,
                bot=base.bot,
                conversation=ConversationAccount(
                    id=posted.conversation_id,
                    is_group=True,
                    conversation_type="channel",
                    tenant_id=self.tenant_id,
                ),
            )
            activity.id = posted.activity_id

            async def update(tc: TurnContext) -> None:
                activity.conversation = tc.activity.conversation
                await tc.update_activity(activity)

            await self._continue(reference, update)
            return None
        reference = ConversationReference(
            channel_id=base.channel_id,
            service_url=base.service_url,
            bot=base.bot,
            conversation=ConversationAccount(
                id=channel_id, is_group=True, conversation_type="channel", tenant_id=self.tenant_id
            ),
        )

        async def post(tc: TurnContext) -> Any:
            return await tc.send_activity(activity)

        response = await self._continue(reference, post)
        activity_id = getattr(response, "id", None)
        if not activity_id:
            return None
        return channel_id, str(activity_id)
