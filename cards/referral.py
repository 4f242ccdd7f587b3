"""Referral cards: the wizard's sections, the summary, the confirmation, and the cards the
business unit, the chair and the case review channel receive.

The channel's case card carries the reference, stage, referring agency and dates only: never
the child's or family's details. Everything a user typed is escaped before it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from adaptive_cards import card as ac
from adaptive_cards import types as act

from cards.common import day, esc, execute, facts, heading, para, render
from workflow import criteria
from workflow.referral import SECTION_KEYS, SECTIONS, Field, Section, input_id, section

NEXT = "referral.next"
BACK = "referral.back"
ADD_ROW = "referral.add_row"
REMOVE_ROW = "referral.remove_row"
EDIT = "referral.edit"
SUBMIT = "referral.submit"
CANCEL_CONFIRM = "referral.cancel_confirm"
RESUME = "referral.resume"
DISCARD = "referral.discard"
START_NEW = "referral.start_new"

STEPS = len(SECTIONS)


def _error(message: str) -> ac.TextBlock:
    return ac.TextBlock(
        text=esc(message),
        color=act.Colors.ATTENTION,
        size=act.FontSize.SMALL,
        wrap=True,
        spacing=act.Spacing.NONE,
    )


def _input(fld: Field, value: Any, row: int | None) -> Any:
    ident = input_id(fld.id, row)
    label = fld.label  # Teams marks required inputs itself
    if fld.kind == "date":
        return ac.InputDate(
            id=ident,
            label=label,
            value=str(value or "") or None,
            is_required=fld.required or None,
            error_message=f"{fld.label} is required." if fld.required else None,
        )
    if fld.kind in ("choice", "multichoice"):
        selected = ",".join(value) if isinstance(value, list) else str(value or "")
        return ac.InputChoiceSet(
            id=ident,
            label=label,
            choices=[ac.InputChoice(title=title, value=val) for val, title in fld.choices],
            is_multi_select=fld.kind == "multichoice" or None,
            style=act.ChoiceInputStyle.EXPANDED if fld.kind == "multichoice" else None,
            value=selected or None,
            wrap=True,
        )
    regex = None
    if fld.kind == "email":
        regex = r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"
    return ac.InputText(
        id=ident,
        label=label,
        value=str(value or "") or None,
        max_length=fld.max_length,
        is_multiline=fld.kind == "multiline" or None,
        placeholder=fld.placeholder or None,
        is_required=fld.required or None,
        regex=regex,
        error_message=(
            f"{fld.label} is required." if fld.required else "Check this answer." if regex else None
        ),
        style=act.TextInputStyle.EMAIL
        if fld.kind == "email"
        else act.TextInputStyle.TEL
        if fld.kind == "phone"
        else None,
    )


def _fields(
    sec: Section, values: Mapping[str, Any], errors: Mapping[str, str], row: int | None = None
) -> list[Any]:
    items: list[Any] = []
    for fld in sec.fields:
        items.append(_input(fld, values.get(fld.id, ""), row))
        message = errors.get(input_id(fld.id, row))
        if message:
            items.append(_error(message))
    return items


def _base(draft_id: str, sec: Section, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {"draft_id": draft_id, "section": sec.key, **(extra or {})}


def section_card(
    *,
    draft_id: str,
    section_key: str,
    values: Any,
    errors: Mapping[str, str],
    returning_to_summary: bool = False,
    notice: str | None = None,
) -> dict[str, Any]:
    """One step of the wizard, with what was typed and any problems next to their fields."""
    sec = section(section_key)
    step = SECTION_KEYS.index(sec.key) + 1
    items: list[Any] = heading(
        f"New referral: {sec.title}", subtle=f"Step {step} of {STEPS}. Saved as you go."
    )
    items.append(para(sec.intro))
    if errors:
        items.append(
            ac.TextBlock(
                text="Please check the answers marked below. Everything you typed is kept.",
                color=act.Colors.ATTENTION,
                weight=act.FontWeight.BOLDER,
                wrap=True,
            )
        )
    if notice:
        items.append(para(esc(notice), is_subtle=True))
    rows = len(values) if sec.repeating else 0
    base = _base(draft_id, sec, {"rows": rows, "return": "summary" if returning_to_summary else ""})
    if sec.repeating:
        if not values:
            items.append(para(f"No {sec.row_noun} added yet.", is_subtle=True))
        for row, item in enumerate(values):
            items.append(
                ac.Container(
                    separator=True,
                    spacing=act.Spacing.MEDIUM,
                    items=[
                        ac.TextBlock(
                            text=f"{sec.row_noun.capitalize()} {row + 1}",
                            weight=act.FontWeight.BOLDER,
                        ),
                        *_fields(sec, item, errors, row),
                        ac.ActionSet(
                            actions=[
                                execute(
                                    f"Remove {sec.row_noun} {row + 1}",
                                    REMOVE_ROW,
                                    {**base, "row": row},
                                )
                            ]
                        ),
                    ],
                )
            )
        article = "an" if sec.row_noun[:1] in "aeiou" else "a"
        items.append(
            ac.ActionSet(actions=[execute(f"Add {article} {sec.row_noun}", ADD_ROW, base)])
        )
    else:
        items += _fields(sec, values, errors)

    actions: list[Any] = []
    if returning_to_summary:
        actions.append(
            execute("Save and return to summary", NEXT, base, style=act.ActionStyle.POSITIVE)
        )
    else:
        actions.append(execute("Next", NEXT, base, style=act.ActionStyle.POSITIVE))
        if step > 1:
            actions.append(execute("Back", BACK, base))
    actions.append(cancel_action(draft_id))
    return render(items, actions, fallback_text=f"New referral, step {step} of {STEPS}")


# ----- the summary --------------------------------------------------------------------------


def _shown(fld: Field, value: Any) -> str:
    if fld.kind == "multichoice":
        return (
            "; ".join(esc(criteria.ALL[v].text) for v in value if v in criteria.ALL)
            or "None ticked"
        )
    if fld.kind == "choice":
        return esc(dict(fld.choices).get(str(value), value or "Not given"))
    if fld.kind == "date" and value:
        try:
            parsed = date.fromisoformat(str(value))
        except ValueError:
            return esc(value)
        return f"{parsed.day} {parsed:%b %Y}"
    return esc(value) if value else "Not given"


def _section_facts(sec: Section, values: Any) -> list[Any]:
    if sec.repeating:
        if not values:
            return [para("None given.", is_subtle=True)]
        blocks: list[Any] = []
        for row, item in enumerate(values):
            blocks.append(para(f"**{sec.row_noun.capitalize()} {row + 1}**", spacing="Small"))
            blocks.append(
                facts(
                    (fld.label, _shown(fld, item.get(fld.id, "")))
                    for fld in sec.fields
                    if item.get(fld.id)
                )
            )
        return blocks
    if sec.key == "criteria":
        return [facts((fld.label, _shown(fld, values.get(fld.id, []))) for fld in sec.fields)]
    shown = [
        (fld.label, _shown(fld, values.get(fld.id, ""))) for fld in sec.fields if values.get(fld.id)
    ]
    return [facts(shown)] if shown else [para("Nothing given yet.", is_subtle=True)]


def summary_card(
    *, draft_id: str, form: Mapping[str, Any], problems: Mapping[str, Mapping[str, str]]
) -> dict[str, Any]:
    items: list[Any] = heading(
        "New referral: check and submit", subtle="Check your answers. Use Edit to change a section."
    )
    if problems:
        titles = ", ".join(section(k).title for k in problems)
        items.append(
            ac.TextBlock(
                text=f"Some answers need attention before you can submit: {esc(titles)}.",
                color=act.Colors.ATTENTION,
                weight=act.FontWeight.BOLDER,
                wrap=True,
            )
        )
    for sec in SECTIONS:
        title = sec.title + ("  (needs attention)" if sec.key in problems else "")
        items.append(
            ac.Container(
                separator=True,
                spacing=act.Spacing.MEDIUM,
                items=[
                    ac.ColumnSet(
                        columns=[
                            ac.Column(
                                width="stretch",
                                items=[
                                    ac.TextBlock(
                                        text=esc(title),
                                        weight=act.FontWeight.BOLDER,
                                        wrap=True,
                                        color=act.Colors.ATTENTION if sec.key in problems else None,
                                    )
                                ],
                            ),
                            ac.Column(
                                width="auto",
                                items=[
                                    ac.ActionSet(
                                        actions=[
                                            execute(
                                                "Edit",
                                                EDIT,
                                                {"draft_id": draft_id, "section": sec.key},
                                            )
                                        ]
                                    )
                                ],
                            ),
                        ]
                    ),
                    *_section_facts(sec, form.get(sec.key, [] if sec.repeating else {})),
                ],
            )
        )
    items.append(
        para(
            "When you submit, the BDSCP Business Unit and the Case Review Sub-group chair receive "
            "these details privately. The case review channel sees only the case reference, "
            "stage, your agency and the dates.",
            is_subtle=True,
            spacing="Medium",
        )
    )
    actions = [
        execute("Submit referral", SUBMIT, {"draft_id": draft_id}, style=act.ActionStyle.POSITIVE),
        cancel_action(draft_id),
    ]
    return render(items, actions, fallback_text="New referral: check and submit")


# ----- resume, cancel, gone ---------------------------------------------------------------


def resume_card(
    *, draft_id: str, started: datetime, updated: datetime, section_key: str
) -> dict[str, Any]:
    sec_title = section(section_key).title if section_key in SECTION_KEYS else "the summary"
    items = [
        *heading("You have a referral in progress"),
        para(
            f"Started {day(started.date())}, last saved {day(updated.date())}, at "
            f'"{esc(sec_title)}".'
        ),
        para("Carry on where you left off, or discard it and start again."),
    ]
    actions = [
        execute("Resume", RESUME, {"draft_id": draft_id}, style=act.ActionStyle.POSITIVE),
        execute("Discard and start again", DISCARD, {"draft_id": draft_id}),
    ]
    return render(items, actions, fallback_text="You have a referral in progress")


def cancel_action(draft_id: str) -> ac.ActionShowCard:
    """Cancel asks first, in place: the form and everything typed on it stay as they are
    unless the person confirms."""
    confirm = ac.AdaptiveCard(
        body=[
            para(
                "**Delete this referral?** Everything you've entered will be deleted; this "
                "can't be undone."
            ),
            para(
                "To stop for now instead, just leave it: it's saved, and typing **refer** "
                "later brings it back.",
                is_subtle=True,
            ),
        ],
        actions=[
            execute(
                "Yes, delete it",
                CANCEL_CONFIRM,
                {"draft_id": draft_id},
                style=act.ActionStyle.DESTRUCTIVE,
                associated_inputs=act.AssociatedInputs.NONE,
            ),
        ],
    )
    return ac.ActionShowCard(title="Cancel referral", card=confirm)


def discarded_card() -> dict[str, Any]:
    return render(
        [
            *heading("Referral cancelled"),
            para(
                "The draft and everything in it has been deleted. "
                "Type **refer** to start a new one."
            ),
        ],
        fallback_text="Referral cancelled",
    )


def draft_gone_card(reason: str) -> dict[str, Any]:
    return render(
        [
            *heading("This referral form is no longer open"),
            para(esc(reason)),
            para("Type **refer** to start a new referral, or **help** to see what else I can do."),
        ],
        [execute("Start a new referral", START_NEW, {})],
        fallback_text="This referral form is no longer open",
    )


# ----- after submitting ---------------------------------------------------------------------


def confirmation_card(
    *,
    reference: str,
    day_one: date,
    next_steps: Sequence[tuple[str, date | None]],
    contacts: Sequence[str],
    contact_email: str,
) -> dict[str, Any]:
    items: list[Any] = [
        *heading(
            f"Referral received: {reference}",
            subtle="Thank you. Keep this reference: it identifies the case everywhere.",
        ),
        para(
            f"Day 1 of the timetable is **{day(day_one)}**. Days below are working days "
            "(weekends and bank holidays don't count)."
        ),
        para("**What happens next**", spacing="Medium"),
        facts((esc(when_label(when)), esc(what)) for what, when in next_steps),
        para("**Who to contact**", spacing="Medium"),
        para(
            esc(", ".join(contacts)) + f" at the BDSCP Business Unit ({esc(contact_email)})."
            if contacts
            else f"The BDSCP Business Unit: {esc(contact_email)}."
        ),
        para("If you learn more, tell the Business Unit; you don't need to wait.", is_subtle=True),
    ]
    return render(items, fallback_text=f"Referral received: {reference}")


def when_label(when: date | None) -> str:
    return day(when) if when else "later"


def referral_details_card(
    *,
    reference: str,
    form: Mapping[str, Any],
    referrer_name: str,
    received: date,
    audience: str,
) -> dict[str, Any]:
    """The referral in full, for a 1:1 chat with someone whose role allows it."""
    items: list[Any] = [
        *heading(
            f"New referral {reference}",
            subtle=f"From {esc(referrer_name)}, {esc(form.get('referrer', {}).get('agency', ''))}. "
            f"Received {day(received)}. Sent to you as {esc(audience)}.",
        ),
        ac.TextBlock(
            text="Confidential: contains personal details. Don't forward or copy it "
            "into a channel.",
            color=act.Colors.ATTENTION,
            wrap=True,
            size=act.FontSize.SMALL,
        ),
    ]
    for sec in SECTIONS:
        items.append(
            ac.TextBlock(
                text=esc(sec.title),
                weight=act.FontWeight.BOLDER,
                wrap=True,
                separator=True,
                spacing=act.Spacing.MEDIUM,
            )
        )
        items += _section_facts(sec, form.get(sec.key, [] if sec.repeating else {}))
    return render(items, fallback_text=f"New referral {reference}")


def case_card(
    *,
    reference: str,
    stage: str,
    referring_agency: str,
    key_dates: Sequence[tuple[str, date | None]],
    next_deadline: tuple[str, date] | None,
    updated: datetime,
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
            f"Updated {updated.day} {updated:%b %Y, %H:%M}. Details are shared only in 1:1 "
            "chat with people whose role allows it.",
            is_subtle=True,
            size=act.FontSize.SMALL,
        )
    )
    return render(items, fallback_text=f"Case {reference}: {stage}")
