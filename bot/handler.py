"""The activity handler: remembers where to write back, then routes each activity.

Messages go to the command registry; card actions (``Action.Execute`` invokes and
``Action.Submit`` messages) go to the action registry by verb. There is no botbuilder dialog
state: a form's state is its draft row (dialogs/wizard.py), which every card names.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from botbuilder.core import ActivityHandler, InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot import file_consent
from bot.actions import ActionResult
from bot.adapter import card_attachment
from bot.commands.registry import Command, clean_text
from bot.gate import GROUP_CHAT, audit_refusal, place_of, reference_in, wrong_place_text
from bot.membership import apply_change, change_of
from bot.turn import Services, Turn, conversation_kind
from cards.help import didnt_understand_text
from storage.conversations import (
    ConversationInfo,
    get_conversation,
    mark_welcomed,
    save_conversation,
)
from storage.db import transaction
from storage.people import save_person
from workflow import authorisation as authz
from workflow.roles import Role, label

log = logging.getLogger(__name__)


WELCOME_PERSONAL = (
    "Hello, I'm the Case Review Bot for the Bradford District Safeguarding Children "
    "Partnership. Type **help** to see what I can do."
)
WELCOME_CHANNEL = (
    "Hello, I'm the Case Review Bot. I'll post case updates and deadline reminders here, "
    "without any child's or family's details. @mention me with **help** to see what I can do."
)
IN_1_TO_1 = "That is done in a 1:1 chat with me, never here."
IN_THE_CHANNEL = "That button works on the card in the case review channel."
FILES_NOT_TAKEN = (
    "I can't take files or pictures here, and I haven't kept this one. To report a serious "
    "incident, type **refer**; to share a document about a case, send it to the BDSCP "
    "Business Unit."
)
STALE_BUTTON = "That button is no longer available. Type **help** to start again."


class CaseReviewBot(ActivityHandler):  # type: ignore[misc]
    def __init__(self, services: Services) -> None:
        self.services = services
        # Conversation id -> digest of what was last saved, so unchanged references
        # are not written again on every turn. A restart simply saves once more.
        self._saved: dict[str, str] = {}

    async def on_turn(self, turn_context: TurnContext) -> None:
        await self._remember(turn_context)
        if turn_context.activity.type == ActivityTypes.invoke:
            # The card's answer goes straight to where the adapter reads it. The stock
            # ActivityHandler "sends" it as an activity instead, which deep-copies the whole
            # card and runs it through msrest: about a millisecond a press, for nothing.
            response = await self.on_invoke_activity(turn_context)
            turn_context.turn_state[TurnContext._INVOKE_RESPONSE_KEY] = Activity(
                type=ActivityTypes.invoke_response, value=response
            )
            return
        await super().on_turn(turn_context)

    # ----- where to write back -------------------------------------------------------

    async def _remember(self, tc: TurnContext) -> None:
        activity = tc.activity
        if activity.conversation is None or not activity.service_url:
            return
        channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        sender = activity.from_property
        aad_id = getattr(sender, "aad_object_id", None) if sender else None
        kind = conversation_kind(activity)
        team_id = (channel_data.get("team") or {}).get("id")
        channel_id = (channel_data.get("channel") or {}).get("id")
        tenant = (channel_data.get("tenant") or {}).get("id")
        # Reactions, install events and read receipts carry no name: a name is never
        # replaced with an empty one (save_person keeps the known one).
        person = (aad_id, sender.id, sender.name or "") if aad_id and sender else None
        # Everything the stored rows are made of, cheaply: skip the write when unchanged.
        key = repr(
            (
                activity.service_url,
                kind,
                team_id,
                channel_id,
                tenant,
                person,
                activity.channel_id,
                activity.recipient.id if activity.recipient else None,
            )
        )
        if self._saved.get(activity.conversation.id) == key:
            return
        reference = TurnContext.get_conversation_reference(activity)
        reference.activity_id = None  # the conversation, not this message
        info = ConversationInfo(
            conversation_id=activity.conversation.id,
            kind=kind,
            user_aad_id=aad_id if kind == "personal" else None,
            team_id=team_id,
            channel_id=channel_id,
            tenant_id=tenant,
            service_url=activity.service_url,
            reference_json=json.dumps(reference.serialize(), sort_keys=True),
        )
        now = self.services.clock()
        async with transaction(self.services.sessions) as session:
            await save_conversation(session=session, info=info, now=now)
            if person is not None:
                await save_person(
                    session=session,
                    aad_object_id=person[0],
                    teams_user_id=person[1],
                    name=person[2],
                    now=now,
                )
        if len(self._saved) >= 50_000:  # bounded: a restart-like reset costs one write each
            self._saved.clear()
        self._saved[info.conversation_id] = key

    # ----- messages -------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if isinstance(activity.value, dict) and activity.value.get("verb"):
            await self._on_submit(turn_context, activity.value)
            return
        text = clean_text(activity.text)  # once per turn: commands get it cleaned
        turn = Turn(turn_context, self.services)
        place = self._place(turn)
        if not text:
            if _carries_files(activity):
                await turn.say(GROUP_CHAT if place == authz.GROUP_CHAT else FILES_NOT_TAKEN)
            return
        match = self.services.commands.match(text)
        if match is None:
            if place in (authz.GROUP_CHAT, authz.OTHER_CHANNEL):
                await turn.say(self._wrong_place(place))
                return
            suggestions = self.services.commands.suggest(text)
            await turn_context.send_activity(
                MessageFactory.text(didnt_understand_text(suggestions))
            )
            return
        command = match.command
        rule = command.rule
        if not rule.allows_place(place):
            await self._refused(turn, "command.refused", command.name, "wrong place", match.args)
            await turn.say(
                not_here_text(command)
                if place in (authz.PERSONAL, authz.REVIEW_CHANNEL)
                else self._wrong_place(place)
            )
            return
        if not rule.anyone and not rule.allows(await turn.roles()):
            await self._refused(turn, "command.refused", command.name, "role", match.args)
            await turn.say(not_yours_text(command))
            return
        turn.args = match.args
        log.info("command", extra={"command": command.name})
        await command.handler(turn)

    # ----- card actions ---------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        if activity.name == "fileConsent/invoke":
            return await self._file_consent(turn_context)
        if activity.name != "adaptiveCard/action":
            return InvokeResponse(status=int(HTTPStatus.NOT_IMPLEMENTED))
        # Read the raw value: the SDK's AdaptiveCardInvokeValue drops ``trigger``.
        value = activity.value if isinstance(activity.value, dict) else {}
        action = value.get("action")
        action = action if isinstance(action, dict) else {}
        verb = action.get("verb")
        data = action.get("data")
        verb = verb if isinstance(verb, str) else ""
        data = data if isinstance(data, dict) else {}
        if value.get("trigger") == "automatic":
            # Teams refreshing a card as it is shown: never a press, so no press handler
            # runs; the card's refresh handler answers with its current view for this user.
            result = await self._refresh(turn_context, verb, data)
        else:  # "manual", or (the local client) no trigger at all
            result = await self._run_action(turn_context, verb, data)
        return InvokeResponse(status=int(HTTPStatus.OK), body=result.invoke_body())

    async def _file_consent(self, tc: TurnContext) -> InvokeResponse:
        """A file offered with Teams' consent card, accepted or declined (bot/file_consent.py:
        the offer is checked like a download link, whoever sends the invoke)."""
        sender = tc.activity.from_property
        person = getattr(sender, "aad_object_id", None) or ""
        said, card = await file_consent.answer(self.services, tc.activity.value, person)
        message = MessageFactory.text(said)
        if card is not None:
            message.attachments = [Attachment().deserialize(card)]
        await tc.send_activity(message)
        return InvokeResponse(status=int(HTTPStatus.OK))

    # ----- the authorisation matrix (workflow/authorisation.py) ----------------------------

    def _place(self, turn: Turn) -> str:
        return place_of(turn.activity, turn.conversation_type, self.services.cases.channel.id)

    def _wrong_place(self, place: str) -> str:
        return wrong_place_text(place, self.services.cases.channel.id)

    async def _refused(
        self, turn: Turn, action: str, what: str, reason: str, about: object
    ) -> None:
        """Audit a refusal: who (with their real roles), what, where, which case, why."""
        await audit_refusal(
            self.services,
            actor=turn.user_aad_id,
            roles=await turn.roles() if turn.user_aad_id else frozenset(),
            action=action,
            what=what,
            reason=reason,
            place=self._place(turn),
            case_ref=reference_in(about),
        )

    async def _refresh(
        self, turn_context: TurnContext, verb: str, data: dict[str, Any]
    ) -> ActionResult:
        """A card refreshed as it is shown: the live card only to those its row allows, in
        the case review channel; anyone else keeps the card as it was posted (nothing read)."""
        handler = self.services.actions.refresher(verb)
        rule = self.services.actions.refresh_rule(verb)
        if handler is None or rule is None:
            log.info("refresh without a handler", extra={"verb": verb[:64]})
            return ActionResult(unchanged=True)
        turn = Turn(turn_context, self.services, data=data, verb=verb)
        place = self._place(turn)
        if not rule.allows_place(place):
            await self._refused(turn, "refresh.refused", verb, "wrong place", data)
            return ActionResult(unchanged=True)
        if not rule.anyone and not rule.allows(await turn.roles()):
            await self._refused(turn, "refresh.refused", verb, "role", data)
            return ActionResult(unchanged=True)
        return await handler(turn)

    async def _on_submit(self, turn_context: TurnContext, value: dict[str, Any]) -> None:
        verb = str(value.get("verb"))
        data = {k: v for k, v in value.items() if k != "verb"}
        result = await self._run_action(turn_context, verb, data)
        # Whatever the action did is done (committed): from here on, failing to show it must
        # never read as "try again". An update that fails becomes a new message.
        reply_to = turn_context.activity.reply_to_id
        turn = Turn(turn_context, self.services)
        if result.card is not None and reply_to:
            update = MessageFactory.attachment(card_attachment(result.card))
            update.id = reply_to
            try:
                await turn_context.update_activity(update)
                return
            except Exception as error:
                log.warning(
                    "card update failed; sending it anew",
                    extra={"verb": verb[:64], "error": type(error).__name__},
                )
        try:
            if result.card is not None:
                await turn.send_card(result.card)
            elif result.message:
                await turn.say(result.message)
        except Exception as error:
            log.warning(
                "could not show the result of a card action",
                extra={"verb": verb[:64], "error": type(error).__name__},
            )
            await self._say_quietly(
                turn, "I received that, but I couldn't show you the result here."
            )

    async def _say_quietly(self, turn: Turn, text: str) -> None:
        try:
            await turn.say(text)
        except Exception:
            log.warning("could not reach the conversation", extra={"verb": turn.verb[:64]})

    async def _run_action(
        self, turn_context: TurnContext, verb: str, data: dict[str, Any]
    ) -> ActionResult:
        turn = Turn(turn_context, self.services, data=data, verb=verb)
        place = self._place(turn)
        handler = self.services.actions.get(verb)
        rule = self.services.actions.rule(verb, self.services.wizards.keys())
        if handler is None or rule is None:
            log.warning("unknown card action", extra={"verb": verb[:64]})
            await self._refused(turn, "action.refused", verb, "no such button", data)
            return ActionResult(message=STALE_BUTTON)
        if not rule.allows_place(place):
            await self._refused(turn, "action.refused", verb, "wrong place", data)
            if place == authz.PERSONAL:
                return ActionResult(message=IN_THE_CHANNEL)
            if place == authz.REVIEW_CHANNEL:
                return ActionResult(message=IN_1_TO_1)
            return ActionResult(message=self._wrong_place(place))
        if not rule.anyone and not rule.allows(await turn.roles()):
            await self._refused(turn, "action.refused", verb, "role", data)
            return ActionResult(message=not_allowed_text(rule))
        log.info("card action", extra={"verb": verb})
        return await handler(turn)

    # ----- installation and membership --------------------------------------------------

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        await self._record_change(turn_context)
        await super().on_conversation_update_activity(turn_context)

    async def on_installation_update(self, turn_context: TurnContext) -> None:
        await self._record_change(turn_context)

    async def _record_change(self, turn_context: TurnContext) -> None:
        """Installed, removed, archived, deleted, restored: recorded, and the conversations
        concerned marked reachable or not (see bot/membership.py)."""
        change = change_of(turn_context.activity)
        if change is None:
            return
        services = self.services
        sender = turn_context.activity.from_property
        async with transaction(services.sessions) as session:
            await apply_change(
                session=session,
                change=change,
                now=services.clock(),
                actor_aad_id=(getattr(sender, "aad_object_id", None) or "") if sender else "",
                cipher=services.cipher,
                channel_id=services.cases.channel.id,
                timezone=services.settings.tz,
            )
        log.info("teams membership change", extra={"change": change.action})

    async def on_members_added_activity(
        self, members_added: list[Any], turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(m.id == bot_id for m in members_added):
            # Welcome once per conversation (clients may repeat the event; the local one
            # does, each time a chat or channel is opened), marked only once delivered.
            await self._welcome(turn_context)
            channel_data = turn_context.activity.channel_data
            if isinstance(channel_data, dict) and channel_data.get("team"):
                # Added to a team: learn its members (names, Teams ids) in the background.
                self.services.messenger.sync_roster_soon(turn_context.activity.conversation.id)

    async def _welcome(self, turn_context: TurnContext) -> None:
        conversation_id = turn_context.activity.conversation.id
        async with self.services.sessions() as session:
            row = await get_conversation(session=session, conversation_id=conversation_id)
        if row is None or row.welcomed_at is not None:
            return
        kind = conversation_kind(turn_context.activity)
        text = {"personal": WELCOME_PERSONAL, "channel": WELCOME_CHANNEL}.get(kind, GROUP_CHAT)
        try:
            await turn_context.send_activity(Activity(type=ActivityTypes.message, text=text))
        except Exception as error:  # not marked: the next install event tries again
            log.warning("welcome not delivered", extra={"error": type(error).__name__})
            return
        async with transaction(self.services.sessions) as session:
            await mark_welcomed(
                session=session, conversation_id=conversation_id, now=self.services.clock()
            )


# Files in 1:1 and group chats, pictures, and (in channels) SharePoint "reference" files.
_FILE_TYPES = ("image/", "video/", "audio/", "application/", "reference")


def _carries_files(activity: Activity) -> bool:
    """A file or picture: Teams sends files as ``file.download.info`` attachments and pasted
    pictures as ``image/*`` ones (with an ``<img>`` in the message's HTML copy)."""
    for attachment in activity.attachments or []:
        content_type = (attachment.content_type or "").lower()
        if content_type.startswith(_FILE_TYPES) and "card" not in content_type:
            return True
        if content_type == "text/html" and "<img" in str(attachment.content or "").lower():
            return True
    return False


def not_here_text(command: Command) -> str:
    if command.where == "personal":
        return f"**{command.name}** is used in a 1:1 chat with me, never here."
    return f"**{command.name}** is used in the case review channel: @mention me there."


def not_yours_text(command: Command) -> str:
    """Who may use a command, in words: "Only the BDSCP Business Unit can use **invite**."."""
    words = _holders(command.who or frozenset())
    return f"Only {words} can use **{command.name}**. Type **help** to see what you can do."


def _holders(roles: frozenset[str]) -> str:
    holders = [f"the {label(r)}" for r in Role if r in roles]
    if not holders:
        return "those it was sent to"
    return holders[0] if len(holders) == 1 else ", ".join(holders[:-1]) + " or " + holders[-1]


def not_allowed_text(rule: authz.Rule) -> str:
    """Who may press a button, in words: "Only the Case Review Sub-group chair can do that."."""
    return f"Only {_holders(rule.who or frozenset())} can do that."
