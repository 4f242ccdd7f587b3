"""Referral cards beyond the form itself (cards/forms.py renders every step of it): the
confirmation, the details the business unit and the chair receive, and the channel's card.

The channel's case card carries the reference, stage, referring agency and dates only: never
the child's or family's details. Everything a user typed is escaped before it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from adaptive_cards import card as ac
from adaptive_cards import types as act

from cards.common import (
    attention,
    day,
    day_and_time,
    esc,
    facts,
    heading,
    in_parts,
    para,
    render,
)
from cards.form_summary import section_facts
from workflow.addinfo import ADD_INFO
from workflow.forms import parse_date
from workflow.referral import RECEIVED_VIA, REFERRAL, immediate_risk, received_via

# ----- after submitting ---------------------------------------------------------------------


def confirmation_card(
    *,
    reference: str,
    day_one: date,
    next_steps: Sequence[tuple[str, date | None]],
    contacts: Sequence[str],
    contact_email: str,
    outcome_due: date | None,
    notify_ofsted: bool = False,
) -> dict[str, Any]:
    """To the referrer: the reference, Day 1, what happens next, how they hear the outcome,
    and who to contact."""
    items: list[Any] = [
        *heading(
            f"Referral received: {reference}",
            subtle="Thank you. Keep this reference: it identifies the case everywhere.",
        ),
        *_timetable(day_one, next_steps),
        para(
            "**Hearing the outcome:** I'll tell you here, in this chat, whether the Local "
            "Authority decides to notify the national Panel"
            + (f" (due by {day(outcome_due)})." if outcome_due else ".")
        ),
        para("**Who to contact**", spacing="Medium"),
        para(
            esc(", ".join(contacts)) + f" at the BDSCP Business Unit ({esc(contact_email)})."
            if contacts
            else f"The BDSCP Business Unit: {esc(contact_email)}."
        ),
        para("If you learn more, tell the Business Unit; you don't need to wait.", is_subtle=True),
    ]
    if notify_ofsted:
        items.insert(
            2,
            attention(
                "As Children's Social Care, you also need to notify Ofsted, using Ofsted's "
                "online notification form. This referral does not do that for you."
            ),
        )
    return render(items, fallback_text=f"Referral received: {reference}")


def entered_confirmation_card(
    *,
    reference: str,
    day_one: date,
    next_steps: Sequence[tuple[str, date | None]],
    notify_ofsted: bool = False,
) -> dict[str, Any]:
    """To the Business Unit, who entered a referral for someone: the referrer hears nothing
    from the bot, so the Business Unit tells them."""
    items: list[Any] = [
        *heading(
            f"Referral entered: {reference}",
            subtle="The case records that you entered it for the referrer.",
        ),
        ac.TextBlock(
            text="The referrer isn't told by me: give them the case reference, and later the "
            "outcome, yourself.",
            weight=act.FontWeight.BOLDER,
            wrap=True,
        ),
        *_timetable(day_one, next_steps),
    ]
    if notify_ofsted:
        items.insert(
            3,
            attention(
                "The referrer is from Children's Social Care: remind them to notify Ofsted "
                "too, using Ofsted's online notification form."
            ),
        )
    return render(items, fallback_text=f"Referral entered: {reference}")


def _timetable(day_one: date, next_steps: Sequence[tuple[str, date | None]]) -> list[Any]:
    return [
        para(
            f"Day 1 of the timetable is **{day(day_one)}**. Days below are working days "
            "(weekends and bank holidays don't count)."
        ),
        para("**What happens next**", spacing="Medium"),
        facts((esc(when_label(when)), esc(what)) for what, when in next_steps),
    ]


def when_label(when: date | None) -> str:
    return day(when) if when else "later"


def _confidential() -> ac.TextBlock:
    return ac.TextBlock(
        text="Confidential: contains personal details. Don't forward or copy it into a channel.",
        color=act.Colors.ATTENTION,
        wrap=True,
        size=act.FontSize.SMALL,
    )


def referral_details_cards(
    *,
    reference: str,
    form: Mapping[str, Any],
    referrer_name: str,
    received: date,
    audience: str,
    entered_by: str | None = None,
) -> list[dict[str, Any]]:
    """The referral in full, for a 1:1 chat with someone whose role allows it: one card, or
    as many as it takes to keep each within Teams' size budget ("part 2 of 3"), sections
    kept whole where they fit."""
    head: list[Any] = []
    if immediate_risk(form):
        head.append(
            ac.TextBlock(
                text="The referrer says a child is at immediate risk of harm now.",
                color=act.Colors.ATTENTION,
                weight=act.FontWeight.BOLDER,
                size=act.FontSize.MEDIUM,
                wrap=True,
            )
        )
    agency = esc(form.get("referrer", {}).get("agency", ""))
    via = dict(RECEIVED_VIA).get(received_via(form), "Sent")
    entered = (
        f" {via}; entered by {esc(entered_by)} of the BDSCP Business Unit." if entered_by else ""
    )
    subtle = (
        f"From {esc(referrer_name)}, {agency}. Received {day(received)}.{entered} "
        f"Sent to you as {esc(audience)}."
    )
    blocks: list[list[Any]] = []
    for sec in REFERRAL.sections:
        title = ac.TextBlock(
            text=esc(sec.title_for_reader),
            weight=act.FontWeight.BOLDER,
            wrap=True,
            separator=True,
            spacing=act.Spacing.MEDIUM,
        )
        facts_ = section_facts(
            sec, form.get(sec.key, [] if sec.repeating else {}), reader=True, one_each=True
        )
        blocks.append([title, *facts_])

    def card(items: list[Any], part: str) -> dict[str, Any]:
        title = f"New referral {reference}{part}"
        return render(
            [*head, *heading(title, subtle=subtle), _confidential(), *items],
            fallback_text=title,
        )

    return in_parts(blocks, card)


def more_information_card(
    *, reference: str, version: int, added: Mapping[str, Any], audience: str
) -> dict[str, Any]:
    """What was added to a referral (its new version), for someone whose role allows it."""
    sec = ADD_INFO.sections[0]
    on = parse_date(str(added.get("added_on", "")))
    items: list[Any] = [
        *heading(
            f"More information on {reference}",
            subtle=f"Added by {esc(added.get('by', ''))} on {day(on)}: version {version} of the "
            f"referral (earlier versions are kept). Sent to you as {esc(audience)}.",
        ),
        _confidential(),
        *section_facts(sec, added, reader=True),
    ]
    return render(items, fallback_text=f"More information on {reference}")


def information_added_card(*, reference: str, version: int) -> dict[str, Any]:
    return render(
        [
            *heading(f"Added to {reference}", subtle=f"Version {version} of the referral."),
            para(
                "The BDSCP Business Unit, the Case Review Sub-group chair and the Children's "
                "Social Care Deputy Director have it now. Nothing you gave before has changed."
            ),
        ],
        fallback_text=f"Added to {reference}",
    )


def case_card(
    *,
    reference: str,
    stage: str,
    referring_agency: str,
    key_dates: Sequence[tuple[str, date | None]],
    next_deadline: tuple[str, date] | None,
    updated: datetime,
    decided: Sequence[tuple[str, str]] = (),
    returns: tuple[str, Sequence[tuple[str, str]]] | None = None,  # counts; agency, state
    review: Sequence[tuple[str, str]] = (),  # the local review's stage and dates
) -> dict[str, Any]:
    """The channel's card for a case: no child or family details, by design.

    ``updated`` is shown as given: pass local (Europe/London) time."""
    items: list[Any] = [
        *heading(f"Case {reference}", subtle=f"Stage: {esc(stage)}"),
        facts(
            [
                ("Referred by", esc(referring_agency)),
                *((esc(label), day(when)) for label, when in key_dates),
            ]
        ),
    ]
    if decided:
        items.append(para("**Decisions and steps so far**", spacing="Medium"))
        items.append(facts((esc(what), esc(outcome)) for what, outcome in decided))
    if review:
        items.append(para("**Local review**", spacing="Medium"))
        items.append(facts((esc(what), esc(value)) for what, value in review))
    if returns is not None:
        counts, agencies = returns
        items.append(para(f"**Information Gathering Tools:** {esc(counts)}", spacing="Medium"))
        items.append(facts((esc(agency), esc(state)) for agency, state in agencies))
    if next_deadline:
        label, when = next_deadline
        items.append(
            ac.TextBlock(
                text=f"Next deadline: **{esc(label)}** by {day(when)}",
                wrap=True,
                spacing=act.Spacing.MEDIUM,
            )
        )
    items.append(
        para(
            f"Updated {day_and_time(updated)}. Details are shared only in 1:1 "
            "chat with people whose role allows it.",
            is_subtle=True,
            size=act.FontSize.SMALL,
        )
    )
    return render(items, fallback_text=f"Case {reference}: {stage}")
