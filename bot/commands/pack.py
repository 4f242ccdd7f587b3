"""The rapid review pack (``pack BR-...``) and the partnership's annual figures
(``figures 2026``, ``figures 2026 csv``).

The pack is a Word document the bot drafts from what it holds, for the Business Unit and the
chair, in a 1:1 chat only. It is built in memory when its link is used (bot/downloads.py),
and checked here first: a template that cannot be filled is reported with its place, and no
link is offered. The figures are counts, never a person: they may be shown in the channel.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.common import case_asked
from bot.downloads import FIGURES_CSV, PACK, build_pack, chart_url, link_url, pack_template
from bot.file_consent import consent_attachment
from bot.routes import command
from bot.turn import Turn
from cards.downloads import link_card
from cards.figures import figures_card
from cards.pack_document import TemplateProblem, check
from storage import cases
from storage.audit import append_audit
from storage.db import transaction
from storage.downloads import create_link
from storage.figures import year_facts
from workflow import figures
from workflow.authorisation import actor_roles
from workflow.calendar import british

log = logging.getLogger(__name__)

PROBLEM_LIMIT = 8


async def _new_link(turn: Turn, session: AsyncSession, kind: str, subject: str) -> str:
    """A one-use link to ``kind`` of ``subject`` for the person typing (its token)."""
    return await create_link(
        session=session,
        cipher=turn.services.cipher,
        aad_object_id=turn.user_aad_id,
        kind=kind,
        subject=subject,
        now=turn.now,
        minutes=turn.services.settings.download_minutes,
    )


def _until(turn: Turn) -> datetime:
    """When a link made now stops working, local time."""
    settings = turn.services.settings
    return (turn.now + timedelta(minutes=settings.download_minutes)).astimezone(settings.tz)


def _problems_text(problem: TemplateProblem) -> str:
    lines = [f"- {p.text}" for p in problem.problems[:PROBLEM_LIMIT]]
    more = len(problem.problems) - PROBLEM_LIMIT
    if more > 0:
        lines.append(f"- and {more} more")
    return (
        "I can't make the pack: the template has a problem, so no file was made.\n\n"
        + "\n".join(lines)
        + "\n\nAn administrator can check a template with "
        "**python -m bot pack-template check FILE**."
    )


@command("pack", usage="pack BR-2026-0007")
async def pack_command(turn: Turn) -> None:
    """A draft of the rapid review report for the national Panel, as a Word document made from
    what the case holds."""
    reference = await case_asked(turn, "pack", "The rapid review pack is made")
    if not reference:
        return
    services = turn.services
    settings = services.settings
    roles = await turn.roles()
    try:
        template = pack_template(settings)
    except OSError:
        log.error("pack template unreadable", extra={"path": settings.pack_template})
        await turn.say(
            "I can't read the pack's template, so no file was made. Ask an administrator to "
            "check the PACK_TEMPLATE setting."
        )
        return
    async with transaction(services.sessions) as session:
        case = await cases.get_case(session=session, reference=reference)
        if case is None:
            await turn.say(f"I can't find a case {reference}.")
            return
        try:  # the template checked, then the pack built once in memory to be sure: not kept
            problems = check(template)
            if problems:
                raise TemplateProblem(problems)
            built = await build_pack(session, services.cases, case, template, turn.now)
        except TemplateProblem as problem:
            await append_audit(
                session=session,
                now=turn.now,
                actor_aad_id=turn.user_aad_id,
                actor_role=actor_roles(roles),
                action="pack.template_refused",
                case_ref=case.reference,
                details={"problems": len(problem.problems)},
            )
            await turn.say(_problems_text(problem))
            return
        token = await _new_link(turn, session, PACK, case.reference)
        # In Teams, the file can also come by Teams' own file consent card, into OneDrive.
        offer = "" if settings.local else await _new_link(turn, session, PACK, case.reference)
        await append_audit(
            session=session,
            now=turn.now,
            actor_aad_id=turn.user_aad_id,
            actor_role=actor_roles(roles),
            action="pack.link_made",
            case_ref=case.reference,
            details={"link": token[:8], "minutes": settings.download_minutes},
        )
    card = link_card(
        title=f"The rapid review pack for {reference}",
        what=(
            "A draft of the rapid review report to the national Panel, as a Word document: "
            "the case outline, the statutory test with each partner's view, the merged "
            "chronology, each agency's analysis, the criteria and the decision, the "
            "notification as an annex, and the practitioners named in the returns. Check every "
            "section before it is sent."
        ),
        button=f"Download the rapid review pack for {reference}",
        url=link_url(settings, token),
        until=_until(turn),
    )
    await turn.send_card(card, summary=f"Rapid review pack: {reference}")
    if offer:
        await turn.send_attachment(
            consent_attachment(
                name=f"{reference} rapid review pack.docx",
                size=len(built),
                token=offer,
                what=f"The rapid review pack for {reference}, to save in your OneDrive.",
            ),
            summary=f"Rapid review pack: {reference}",
        )


def _year(words: list[str], this_year: int) -> int | None:
    if not words:
        return this_year
    try:
        year = int(words[0])
    except ValueError:
        return None
    return year if 2000 <= year <= this_year + 1 else None


@command("figures", usage="figures 2026  (or: figures 2026 csv)")
async def figures_command(turn: Turn) -> None:
    """The year's counts for the annual report: referrals, notifications, rapid reviews,
    local reviews, and how many met each statutory deadline. Counts only, never a person."""
    services = turn.services
    settings = services.settings
    today = turn.now.astimezone(settings.tz).date()
    words = turn.args.lower().split()
    year = _year(words, today.year)
    wants_csv = len(words) > 1 and words[1] == "csv"
    if year is None or (len(words) > 1 and not wants_csv):
        await turn.say(
            "Type **figures** and a year, for example **figures 2026**; add **csv** for a "
            "file for the annual report (**figures 2026 csv**)."
        )
        return
    if wants_csv and not turn.is_personal:
        await turn.say("The figures' CSV file is handed over in a 1:1 chat with me, never here.")
        return
    roles = await turn.roles()
    async with transaction(services.sessions) as session:
        counted = figures.count(
            await year_facts(session, year, settings.tz), year=year, today=today
        )
        token = ""
        if wants_csv:
            token = await _new_link(turn, session, FIGURES_CSV, str(year))
        await append_audit(
            session=session,
            now=turn.now,
            actor_aad_id=turn.user_aad_id,
            actor_role=actor_roles(roles),
            action="figures.csv_link_made" if wants_csv else "figures.viewed",
            details={"year": year, **({"link": token[:8]} if token else {})},
        )
    if wants_csv:
        card = link_card(
            title=f"The figures for {year}, as a CSV file",
            what="Every count on the figures card, one a row, for the annual report.",
            button=f"Download the figures for {year} as a CSV file",
            url=link_url(settings, token),
            until=_until(turn),
        )
        await turn.send_card(card, summary=f"Figures for {year}: CSV")
        return
    card = figures_card(
        counted,
        chart=chart_url(settings.public_url, services.cipher, counted),
        as_of=british(today),
    )
    await turn.send_card(card, summary=f"Figures for {year}")
