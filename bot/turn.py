"""What a command or card action is handed: the services and who is asking."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, Attachment
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.actions import ActionRegistry
from bot.adapter import card_attachment
from bot.clock import Clock
from bot.messenger import TeamsMessenger
from bot.outbox import OutboxDispatcher
from bot.settings import Settings
from dialogs.wizard import FormWizard, Person
from flows.context import CaseContext
from storage import people
from storage.crypto import Cipher
from workflow.nudges import Rules
from workflow.timetable import Timetable

if TYPE_CHECKING:
    from bot.commands.registry import CommandRegistry

log = logging.getLogger(__name__)


PROFILE_WAIT_SECONDS = 0.5  # a profile lookup never holds a turn longer than this
KINDS = ("personal", "channel", "groupChat")


def conversation_kind(activity: Activity) -> str:
    """``personal``, ``channel`` or ``groupChat``. A chat is 1:1 only when Teams says
    ``personal``: meeting chats, for one, come with ``isGroup`` and no type at all."""
    conversation = activity.conversation
    kind = getattr(conversation, "conversation_type", None) if conversation else None
    return kind if kind in KINDS else "groupChat"


class ProfileEmails:
    """People's emails from their Teams profiles, asked for without holding up a turn.

    A lookup that Teams does not answer within ``PROFILE_WAIT_SECONDS`` goes on in the
    background; its answer is kept here, for the next step of the form to use.
    """

    RETRY_AFTER_FAILURE = 300.0  # seconds: Teams not answering is not asked again at once

    def __init__(self, limit: int = 10_000) -> None:
        self._known: dict[str, str] = {}
        self._failed: dict[str, float] = {}  # aad id -> when a lookup last failed (monotonic)
        self._pending: dict[str, asyncio.Task[str]] = {}
        self._limit = limit

    def known(self, aad_id: str) -> str:
        return self._known.get(aad_id, "")

    async def lookup(self, tc: TurnContext, aad_id: str) -> str:
        if aad_id in self._known:
            return self._known[aad_id]
        failed = self._failed.get(aad_id)
        if failed is not None and time.monotonic() - failed < self.RETRY_AFTER_FAILURE:
            return ""
        sender = tc.activity.from_property
        if sender is None or not sender.id:
            return ""
        task = self._pending.get(aad_id)
        if task is None:
            task = asyncio.create_task(self._fetch(tc, sender.id, aad_id))
            self._pending[aad_id] = task
            task.add_done_callback(lambda _: self._pending.pop(aad_id, None))
        try:
            return await asyncio.wait_for(asyncio.shield(task), PROFILE_WAIT_SECONDS)
        except Exception:  # slow or failed: the form is shown now, without the email
            return ""

    async def _fetch(self, tc: TurnContext, teams_id: str, aad_id: str) -> str:
        try:
            member = await asyncio.wait_for(TeamsInfo.get_member(tc, teams_id), 10)
        except Exception as error:
            log.info("profile lookup failed", extra={"error": type(error).__name__})
            if len(self._failed) >= self._limit:
                self._failed.clear()
            self._failed[aad_id] = time.monotonic()
            return ""
        email = str(
            getattr(member, "email", None) or getattr(member, "user_principal_name", None) or ""
        )
        if email:
            if len(self._known) >= self._limit:
                self._known.clear()
            self._known[aad_id] = email
        return email


@dataclass
class Services:
    """Everything long-lived, created once in the app's startup and handed down."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    commands: CommandRegistry
    actions: ActionRegistry
    timetable: Timetable
    cipher: Cipher  # the master key; each case's own key is wrapped with it
    dispatcher: OutboxDispatcher
    messenger: TeamsMessenger
    wizards: dict[str, FormWizard]  # by form kind
    cases: CaseContext  # what the case flows need
    reminders: Rules = field(default_factory=Rules)  # when and where to nudge
    profiles: ProfileEmails = field(default_factory=ProfileEmails)


@dataclass
class Turn:
    """One inbound activity, as the handlers see it."""

    tc: TurnContext
    services: Services
    args: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    verb: str = ""
    _roles: frozenset[str] | None = None

    @property
    def activity(self) -> Activity:
        return self.tc.activity

    @property
    def now(self) -> datetime:
        return self.services.clock()

    @property
    def user_aad_id(self) -> str:
        sender = self.tc.activity.from_property
        return (getattr(sender, "aad_object_id", None) or "") if sender else ""

    @property
    def user_name(self) -> str:
        sender = self.tc.activity.from_property
        return (getattr(sender, "name", None) or "") if sender else ""

    @property
    def conversation_type(self) -> str:
        return conversation_kind(self.tc.activity)

    @property
    def is_personal(self) -> bool:
        return self.conversation_type == "personal"

    def person(self) -> Person:
        """Who is asking, as the wizards see them (identity is the Entra object id). Their
        email is looked up in Teams only if a new form needs prefilling."""
        return Person(
            aad_object_id=self.user_aad_id, name=self.user_name, profile_email=self.profile_email
        )

    async def profile_email(self) -> str:
        """The asker's email from their Teams profile, or "" if Teams won't say at once
        (then it is kept for the next step when it comes)."""
        return await self.services.profiles.lookup(self.tc, self.user_aad_id)

    async def roles(self) -> frozenset[str]:
        """The asker's roles, read from the database once per turn (on a connection, not in
        a session: one select needs none of the ORM's bookkeeping)."""
        if self._roles is None:
            if not self.user_aad_id:
                self._roles = frozenset()
            else:
                async with self.services.engine.connect() as connection:
                    self._roles = await people.get_roles(
                        session=connection, aad_object_id=self.user_aad_id
                    )
        return self._roles

    async def mentioned_person(self) -> tuple[str, str] | None:
        """The person a command names, as (Entra id, name): the first @mention that isn't me,
        or else the name typed before the command's last word, as the team's directory knows
        it (the local client can't @mention)."""
        bot_id = self.activity.recipient.id if self.activity.recipient else None
        async with self.services.sessions() as session:
            for entity in self.activity.entities or []:
                data = (
                    entity.additional_properties if hasattr(entity, "additional_properties") else {}
                )
                mentioned = (data or {}).get("mentioned") or getattr(entity, "mentioned", None)
                if getattr(entity, "type", "") != "mention" or not mentioned:
                    continue
                teams_id = mentioned.get("id") if isinstance(mentioned, dict) else None
                if not teams_id or teams_id == bot_id:
                    continue
                person = await people.find_by_teams_id(session=session, teams_user_id=teams_id)
                if person is not None:
                    return person.aad_object_id, person.name
            words = self.args.replace("@", " ").split()[:-1]
            if words:
                person = await people.find_by_name(session=session, name=" ".join(words))
                if person is not None:
                    return person.aad_object_id, person.name
        return None

    async def say(self, text: str) -> None:
        await self.tc.send_activity(MessageFactory.text(text))

    async def send_card(self, card: dict[str, Any], summary: str | None = None) -> str | None:
        """Send ``card``; return the new message's id (to update it later)."""
        activity = MessageFactory.attachment(card_attachment(card))
        if summary:
            activity.summary = summary
        response = await self.tc.send_activity(activity)
        return response.id if response else None

    async def send_attachment(self, attachment: dict[str, Any], summary: str) -> None:
        """Send an attachment that isn't an Adaptive Card (Teams' file consent card)."""
        activity = MessageFactory.attachment(Attachment().deserialize(attachment))
        activity.summary = summary
        await self.tc.send_activity(activity)

    async def send_card_privately(self, card: dict[str, Any], summary: str) -> None:
        """Send ``card`` to this person in their 1:1 chat with the bot (opened if need be),
        from a channel or group chat."""
        activity = self.activity

        async def begin(tc: TurnContext) -> None:
            message = MessageFactory.attachment(card_attachment(card))
            message.summary = summary
            await tc.send_activity(message)

        await self.services.messenger.open_chat(
            teams_user_id=activity.from_property.id,
            aad_id=self.user_aad_id,
            bot=activity.recipient,
            service_url=activity.service_url,
            work=begin,
        )
