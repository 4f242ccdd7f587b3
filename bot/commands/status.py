"""The status queries and role administration: ``status``, ``cases``, ``overdue``,
``deadlines``, ``timeline``, ``decisions``, ``whoami``, ``roles``, ``grant`` and ``revoke``.

What a channel answer shows is what anyone there may see: references, stages, dates,
agencies, staff names. A child's or family's details never; the referral's details only from
a 1:1 status card, to a role allowed them, and that view audited.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.actions import ActionResult
from bot.commands.common import reference_of
from bot.routes import command, verb
from bot.turn import Turn
from cards import status as cards
from flows import case_lists, queries, reminders, timeline
from flows.referrals import send_current_details
from storage import cases, people
from storage.audit import append_audit
from storage.db import transaction
from storage.settings import CASE_REVIEW_CHANNEL, store_setting
from workflow.authorisation import actor_roles
from workflow.forms import parse_date
from workflow.roles import CASE_ONLY, Role, label

log = logging.getLogger(__name__)

STAFF = tuple(queries.STAFF)
ADMIN = (Role.ADMIN,)


async def _reference_or_say(turn: Turn, command: str) -> str:
    reference = reference_of(turn.args.split()[0] if turn.args.split() else "")
    if not reference:
        await turn.say(
            f"Type **{command}** and the case reference, for example **{command} BR-2026-0007**."
        )
    return reference


@command("status", usage="status BR-2026-0007", menu=True)
async def status_command(turn: Turn) -> None:
    """Where a case stands: its stage, every deadline with its mark, the decisions so far and
    what comes next."""
    reference = await _reference_or_say(turn, "status")
    if not reference:
        return
    services = turn.services
    roles = await turn.roles()
    async with services.sessions() as session:
        case, seen = await queries.find(session, reference, turn.user_aad_id, roles)
        card = (
            await queries.status_of(
                session,
                services.cases,
                case,
                seen,
                turn.now,
                personal=turn.is_personal,
                roles=roles,
            )
            if case is not None
            else None
        )
    if card is None:
        await turn.say(queries.not_found(reference))
        return
    await turn.send_card(card, summary=f"Status: {reference}")


@verb("status.details")
async def status_details(turn: Turn) -> ActionResult:
    """The referral's details from a status card: 1:1, the roles allowed, audited."""
    if not turn.is_personal:
        return ActionResult(message="A referral's details are shown only in a 1:1 chat with me.")
    reference = reference_of(turn.data.get("case"))
    roles = await turn.roles()
    services = turn.services
    async with transaction(services.sessions) as session:
        case = await cases.get_case(session=session, reference=reference) if reference else None
        if case is None or not queries.DETAIL_READERS & roles:
            if case is not None:
                await append_audit(
                    session=session,
                    now=turn.now,
                    actor_aad_id=turn.user_aad_id or "unknown",
                    actor_role=actor_roles(roles),
                    action="referral.details_refused",
                    case_ref=case.reference,
                    details={},
                )
            return ActionResult(message=queries.not_found(reference or "like that"))
        role = next(r for r in Role if r in roles and r in queries.DETAIL_READERS)
        await send_current_details(session, services.cases, case, turn.now, turn.user_aad_id, role)
    return ActionResult(message="The referral's details are on their way to this chat.")


async def _cases(turn: Turn, page: int, mine: bool) -> dict[str, Any]:
    services = turn.services
    async with services.sessions() as session:
        lines, total = await case_lists.case_lines(
            session,
            services.cases,
            turn.now,
            aad=turn.user_aad_id,
            roles=await turn.roles(),
            mine=mine,
            page=page,
        )
    return cards.cases_card(
        title="Your cases" if mine else "Open cases",
        lines=lines,
        total=total,
        page=page,
        verb="cases.page",
        data={"mine": mine},
    )


@command("cases", usage="cases  (or: cases mine)", menu=True)
async def cases_command(turn: Turn) -> None:
    """The open cases, most urgent first; **cases mine**: the ones you are involved in."""
    mine = turn.args.strip().lower() == "mine"
    await turn.send_card(await _cases(turn, 0, mine), summary="Cases")


@verb("cases.page")
async def cases_page(turn: Turn) -> ActionResult:
    try:
        page = max(0, int(str(turn.data.get("page") or 0)))
    except ValueError:
        page = 0
    return ActionResult(card=await _cases(turn, page, bool(turn.data.get("mine"))))


async def _due_page(turn: Turn, *, overdue: bool, days: int, page: int) -> dict[str, Any]:
    services = turn.services
    async with services.sessions() as session:
        rows, total = await case_lists.due_page(
            session,
            services.cases,
            turn.now,
            aad=turn.user_aad_id,
            roles=await turn.roles(),
            overdue=overdue,
            working_days=days,
            page=page,
        )
    if overdue:
        return cards.due_page_card(
            title="Overdue",
            what="overdue",
            rows=rows,
            total=total,
            page=page,
            verb="overdue.page",
            data={},
            order="the oldest",
        )
    return cards.due_page_card(
        title=f"Due in the next {days} working day{'s' if days != 1 else ''}",
        what="deadlines",
        rows=rows,
        total=total,
        page=page,
        verb="deadlines.page",
        data={"days": days},
        order="the soonest",
    )


def _page_of(turn: Turn) -> int:
    try:
        return max(0, min(int(turn.data.get("page") or 0), 100_000))
    except (TypeError, ValueError):
        return 0


def _days(raw: object) -> int:
    """A number of working days, 1 to 60; ValueError when it isn't a number."""
    return max(1, min(int(str(raw)), 60))


@command("overdue", usage="overdue", menu=True)
async def overdue_command(turn: Turn) -> None:
    """Every overdue deadline and Information Gathering Tool return, with who owns it."""
    await turn.send_card(await _due_page(turn, overdue=True, days=5, page=0), summary="Overdue")


@verb("overdue.page")
async def overdue_page(turn: Turn) -> ActionResult:
    return ActionResult(card=await _due_page(turn, overdue=True, days=5, page=_page_of(turn)))


@command("deadlines", usage="deadlines 5")
async def deadlines_command(turn: Turn) -> None:
    """What falls due in the next few working days (5 unless you say)."""
    words = turn.args.split()
    try:
        days = _days(words[0]) if words else 5
    except ValueError:
        await turn.say(
            "Type **deadlines** and a number of working days, for example **deadlines 10**."
        )
        return
    card = await _due_page(turn, overdue=False, days=days, page=0)
    await turn.send_card(card, summary="Deadlines")


@verb("deadlines.page")
async def deadlines_page(turn: Turn) -> ActionResult:
    try:
        days = _days(turn.data.get("days") or 5)
    except (TypeError, ValueError):
        days = 5
    card = await _due_page(turn, overdue=False, days=days, page=_page_of(turn))
    return ActionResult(card=card)


@command("timeline", usage="timeline BR-2026-0007", menu=True)
async def timeline_command(turn: Turn) -> None:
    """What has happened on a case, in order, with who and when."""
    reference = await _reference_or_say(turn, "timeline")
    if not reference:
        return
    services = turn.services
    async with services.sessions() as session:
        case, seen = await queries.find(session, reference, turn.user_aad_id, await turn.roles())
        events = await timeline.timeline(session, services.cases, case, seen) if case else None
    if events is None:
        await turn.say(queries.not_found(reference))
        return
    for card in cards.timeline_cards(reference=reference, events=events, title="Timeline"):
        await turn.send_card(card, summary=f"Timeline: {reference}")


@command("decisions", usage="decisions BR-2026-0007")
async def decisions_command(turn: Turn) -> None:
    """Every decision record on a case with its rationale (read only)."""
    reference = await _reference_or_say(turn, "decisions")
    if not reference:
        return
    services = turn.services
    roles = await turn.roles()
    role = next(r for r in Role if r in roles and r in queries.DECISION_READERS)
    async with transaction(services.sessions) as session:
        case = await cases.get_case(session=session, reference=reference)
        events = (
            await timeline.decision_records(
                session, services.cases, case, actor=turn.user_aad_id, role=role, now=turn.now
            )
            if case is not None
            else None
        )
    if events is None:
        await turn.say(queries.not_found(reference))
        return
    for card in cards.timeline_cards(reference=reference, events=events, title="Decisions"):
        await turn.send_card(card, summary=f"Decisions: {reference}")


@command("whoami", usage="whoami", menu=True)
async def whoami_command(turn: Turn) -> None:
    """Your roles, as I know them."""
    roles = await turn.roles()
    pairs = [(label(r), r.value) for r in Role if r in roles]
    card = cards.simple_card(
        f"You are {turn.user_name or 'someone I know only by id'}",
        pairs,
        subtle="Your roles. Anyone may refer; an administrator grants the others.",
    )
    await turn.send_card(card, summary="Your roles")


# ----- administration ---------------------------------------------------------------------------


@command("roles", usage="roles")
async def roles_command(turn: Turn) -> None:
    """Who holds each role."""
    async with turn.services.sessions() as session:
        pairs = await timeline.holders(session)
    await turn.send_card(cards.simple_card("Roles", pairs), summary="Roles")


def _role_named(words: str) -> Role | None:
    wanted = words.strip().lower().replace(" ", "_")
    for role in Role:
        if wanted in (role.value, label(role).lower().replace(" ", "_")):
            return role
    return None


async def _change_role(turn: Turn, grant: bool) -> None:
    verb = "grant" if grant else "revoke"
    target = await turn.mentioned_person()
    words = turn.args
    role = _role_named(words.split()[-1] if words.split() else "")
    if target is None or role is None:
        await turn.say(
            f"Type **{verb}**, @mention the person, then the role, for example **{verb} "
            f"@Chris Holt chair**. The roles: "
            + ", ".join(r.value for r in Role if r not in CASE_ONLY)
            + "."
        )
        return
    if role in CASE_ONLY:
        await turn.say(f"{label(role)} is held for one case only, through a request on it.")
        return
    aad, name = target
    services = turn.services
    async with transaction(services.sessions) as session:
        if grant:
            changed = await people.grant_role(
                session=session,
                aad_object_id=aad,
                role=role,
                granted_by=turn.user_aad_id,
                now=turn.now,
            )
        else:
            admins = await people.list_holders(session=session, role=Role.ADMIN)
            if role is Role.ADMIN and admins == [aad]:
                await turn.say("That is the last administrator: grant someone else first.")
                return
            changed = await people.revoke_role(session=session, aad_object_id=aad, role=role)
        if changed:
            await append_audit(
                session=session,
                now=turn.now,
                actor_aad_id=turn.user_aad_id,
                actor_role=Role.ADMIN,
                action=f"role.{'granted' if grant else 'revoked'}",
                details={"aad_object_id": aad, "role": role.value, "source": "command"},
            )
    if not changed:
        held = "already holds" if grant else "doesn't hold"
        await turn.say(f"{name} {held} the role {label(role)}: nothing changed.")
        return
    done = "now holds" if grant else "no longer holds"
    await turn.say(f"{name} {done} the role {label(role)}.")


@command("grant", usage="grant @person chair")
async def grant_command(turn: Turn) -> None:
    """Give someone a role."""
    await _change_role(turn, grant=True)


@command("revoke", usage="revoke @person chair")
async def revoke_command(turn: Turn) -> None:
    """Take a role from someone."""
    await _change_role(turn, grant=False)


@command("setup", usage="setup", menu=True)
async def setup_command(turn: Turn) -> None:
    """Make this channel the case review channel: case cards and reminders come here."""
    data = turn.activity.channel_data if isinstance(turn.activity.channel_data, dict) else {}
    channel = data.get("channel") if isinstance(data.get("channel"), dict) else {}
    channel_id = str((channel or {}).get("id") or "")
    if not channel_id:
        await turn.say("I can't tell which channel this is. Type **setup** in a team's channel.")
        return
    services = turn.services
    async with transaction(services.sessions) as session:
        await store_setting(
            session=session,
            key=CASE_REVIEW_CHANNEL,
            value=channel_id,
            by=turn.user_aad_id,
            now=turn.now,
        )
        await append_audit(
            session=session,
            now=turn.now,
            actor_aad_id=turn.user_aad_id,
            actor_role=Role.ADMIN,
            action="channel.setup",
            details={"channel_id": channel_id},
        )
    services.cases.channel.use(channel_id)  # the one holder; other instances re-read it
    await turn.say(
        "This is now the case review channel: new case cards, decision prompts and deadline "
        "reminders come here. They carry no child's or family's details."
    )


@verb("reminder.snooze")
async def snooze_reminder(turn: Turn) -> ActionResult:
    """A 1:1 reminder's owner puts it off to the next working day (checked: their own)."""
    if not turn.is_personal:
        return ActionResult(message="Reminders in the channel can't be snoozed.")
    services = turn.services
    async with transaction(services.sessions) as session:
        said = await reminders.snooze(
            session,
            services.cases,
            services.reminders,
            key=str(turn.data.get("key") or "")[:300],
            what=str(turn.data.get("what") or ""),
            due=parse_date(str(turn.data.get("due") or "")),
            actor=turn.user_aad_id,
            now=turn.now,
        )
    return ActionResult(message=said)
