"""Decision cards: the invitation to give a scoping view, the chair's recommendation prompt in
the case review channel (live buttons for the chair, the status for everyone else), the Local
Authority's decision in 1:1 chat, and the referrer's word on the outcome.

Channel cards carry the reference, the stage, agencies' answers in short, names of staff and
the decision's rationale (the chair is asked not to name the child or family in it): never a
child's or family's details. Everything typed is escaped before it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adaptive_cards import card as ac
from adaptive_cards import types as act

from cards.common import (
    attention,
    day_and_time,
    esc,
    execute,
    facts,
    heading,
    para,
    render,
)
from workflow.scoping import SERIOUS_HARM, STATUTORY_TEST, TEST_QUESTIONS, VIEWS, Assessment

VIEW_TITLES = dict(VIEWS)
PART_TITLES = {
    "abuse_or_neglect": "Abuse or neglect known or suspected",
    "died_or_harmed": "Died or seriously harmed",
    "where": "In the area, or outside England while living here",
}
PART_ANSWERS = {"yes": "Yes", "no": "No", "differ": "Views differ", "not_known": "Not yet known"}
LOOKS_MET = {
    "yes": "Yes, from the views given",
    "no": "No, from the views given",
    "not_clear": "Not clear yet",
}
RECOMMENDATIONS = {
    "notify": "Notify the national Panel",
    "do_not_notify": "Do not notify the national Panel",
}
LA_OUTCOMES = {
    "notify": "The Local Authority notifies the national Panel",
    "do_not_notify": "The Local Authority does not notify the national Panel",
}
RATIONALE_HINT = (
    "Required. It is shown with the decision in the case review channel: don't name the child "
    "or family."
)


@dataclass(frozen=True)
class ViewLine:
    """One partner's current view, in short: whose, what, when."""

    who: str  # the role, as people know it ("Police representative (West Yorkshire Police)")
    outcome: str  # a VIEWS value
    when: datetime  # local time


@dataclass(frozen=True)
class Decided:
    outcome: str  # as the card's readers say it
    by: str  # "Chris Holt (Case Review Sub-group chair)"
    when: datetime  # local time
    rationale: str
    recorded_by: str = ""  # "Bea Umar (BDSCP Business Unit)", when not the decider


# ----- scoping -------------------------------------------------------------------------------


def scoping_invitation_card(*, reference: str, audience: str) -> dict[str, Any]:
    items = [
        *heading(
            f"Your scoping view on {reference}",
            subtle=f"Asked of you as {esc(audience)}. The referral's details are in the "
            "message before this one.",
        ),
        para(
            "The partners scope the case together: say whether, from what your agency knows, "
            "it meets the definition of a serious child safeguarding case."
        ),
        para(STATUTORY_TEST),
        para(SERIOUS_HARM),
    ]
    actions = [
        execute(
            f"Give your view on {reference}",
            "scoping.begin",
            {"case": reference},
            style=act.ActionStyle.POSITIVE,
        )
    ]
    return render(items, actions, fallback_text=f"Your scoping view on {reference}")


def view_recorded_card(*, reference: str, revised: bool) -> dict[str, Any]:
    return render(
        [
            *heading(
                f"View {'revised' if revised else 'recorded'}: {reference}",
                subtle="Your earlier view is kept, marked as replaced." if revised else None,
            ),
            para(
                "The Case Review Sub-group chair sees it with the other partners' views. To "
                f"revise it, type **view {reference}**."
            ),
        ],
        fallback_text=f"View recorded: {reference}",
    )


# ----- the chair's recommendation (the case review channel) ----------------------------------


def _views_block(views: Sequence[ViewLine], expected: Sequence[str]) -> list[Any]:
    given = {v.who: v for v in views}
    pairs = []
    for who in [*expected, *(w for w in given if w not in expected)]:
        view = given.get(who)
        pairs.append(
            (
                esc(who),
                f"{VIEW_TITLES.get(view.outcome, view.outcome)} ({day_and_time(view.when)})"
                if view
                else "Not given yet",
            )
        )
    return [para("**Partners' views**", spacing="Medium"), facts(pairs)]


def _assessment_block(assessment: Assessment) -> list[Any]:
    parts = [(PART_TITLES[q], PART_ANSWERS[assessment.parts[q]]) for q in TEST_QUESTIONS]
    return [
        para(
            f"**Does the statutory test look met?** {LOOKS_MET[assessment.looks_met]}",
            spacing="Medium",
        ),
        facts(parts),
    ]


def _decided_block(decided: Decided, title: str) -> list[Any]:
    lines = [
        (title, esc(decided.outcome)),
        ("By", esc(decided.by)),
        ("When", day_and_time(decided.when)),
    ]
    if decided.recorded_by:
        lines.append(("Recorded by", esc(decided.recorded_by)))
    return [
        facts(lines),
        para(f"**Rationale:** {esc(decided.rationale)}"),
    ]


def chair_prompt_card(
    *,
    reference: str,
    stage: str,
    views: Sequence[ViewLine],
    expected: Sequence[str],
    assessment: Assessment,
    due: str,
    decided: Decided | None,
    for_chair: bool,
    chair_ids: Sequence[str],
    error: str = "",
    rationale: str = "",
) -> dict[str, Any]:
    """The decision prompt. ``for_chair``: the live view, with the rationale and the two
    buttons (the server checks the role on every press, whatever this card says). Everyone
    else, and everyone once decided, sees the status. Until decided, the card asks Teams to
    refresh it for the chair (``chair_ids``), so the chair sees the buttons."""
    items: list[Any] = [
        *heading(
            f"Recommendation on notification: {reference}",
            subtle=f"Stage: {esc(stage)}. {esc(due)}",
        ),
        *([attention(esc(error))] if error else []),
        *_views_block(views, expected),
        *_assessment_block(assessment),
    ]
    actions: list[Any] = []
    if decided is not None:
        items += [para("**The chair's recommendation**", spacing="Medium")]
        items += _decided_block(decided, "Recommended")
        items.append(
            para(
                "The Local Authority's Strategic Director decides whether to notify.",
                is_subtle=True,
            )
        )
    elif for_chair:
        items.append(
            para(
                "**Your recommendation to the Local Authority.** Give your rationale, then choose.",
                spacing="Medium",
            )
        )
        items.append(
            ac.InputText(
                id="rationale",
                label="Rationale",
                is_multiline=True,
                max_length=4000,
                value=rationale or None,
                is_required=True,
                error_message="Give your rationale.",
            )
        )
        items.append(para(RATIONALE_HINT, is_subtle=True, size=act.FontSize.SMALL))
        data = {"case": reference}
        actions = [
            execute(
                f"Recommend notification for {reference}",
                "chair.recommend",
                {**data, "outcome": "notify"},
                style=act.ActionStyle.POSITIVE,
            ),
            execute(
                f"Recommend no notification for {reference}",
                "chair.recommend",
                {**data, "outcome": "do_not_notify"},
            ),
        ]
    else:
        items.append(
            para(
                "Waiting for the Case Review Sub-group chair's recommendation. Only the chair "
                "can make it.",
                spacing="Medium",
                is_subtle=True,
            )
        )
    card = render(items, actions, fallback_text=f"Recommendation on notification: {reference}")
    if decided is None and chair_ids:
        card["refresh"] = {
            "action": {
                "type": "Action.Execute",
                "verb": "chair.prompt",
                "data": {"case": reference},
            },
            "userIds": list(chair_ids)[:60],
        }
    return card


# ----- the Local Authority's decision (1:1) ----------------------------------------------------


def la_decision_card(
    *,
    reference: str,
    recommendation: Decided,
    views: Sequence[tuple[ViewLine, str]],  # with each view's reason (1:1 only)
    due: str,
    decided: Decided | None,
    recording_for: str = "",
    error: str = "",
    rationale: str = "",
) -> dict[str, Any]:
    """To the Strategic Director (or the Business Unit recording for them): the chair's
    recommendation and the partners' views with their reasons; notify or not."""
    items: list[Any] = [
        *heading(
            f"Decision on notification: {reference}",
            subtle="The duty to notify the national Panel rests with the Local Authority "
            f"(Children Act 2004 s16C(1)). {esc(due)}",
        ),
        para("**The chair's recommendation**", spacing="Medium"),
        *_decided_block(recommendation, "Recommended"),
        para("**Partners' views**", spacing="Medium"),
    ]
    for view, reason in views:
        items.append(
            facts(
                [
                    (esc(view.who), VIEW_TITLES.get(view.outcome, view.outcome)),
                    ("Reason", esc(reason) or "Not given"),
                ]
            )
        )
    if not views:
        items.append(para("No views were given.", is_subtle=True))
    actions: list[Any] = []
    if decided is not None:
        items.append(para("**Decided**", spacing="Medium"))
        items += _decided_block(decided, "Decision")
    else:
        if recording_for:
            items.append(
                attention(
                    f"You are recording the decision of {esc(recording_for)}: the record names "
                    "them as the decider and you as the one who recorded it."
                )
            )
        if error:
            items.append(attention(esc(error)))
        items.append(
            ac.InputText(
                id="rationale",
                label="Rationale",
                is_multiline=True,
                max_length=4000,
                value=rationale or None,
                is_required=True,
                error_message="Give the rationale.",
            )
        )
        items.append(para(RATIONALE_HINT, is_subtle=True, size=act.FontSize.SMALL))
        data = {"case": reference, "for": "director" if recording_for else ""}
        actions = [
            execute(
                f"Notify the national Panel about {reference}",
                "la.decide",
                {**data, "outcome": "notify"},
                style=act.ActionStyle.POSITIVE,
            ),
            execute(
                f"Don't notify the Panel about {reference}",
                "la.decide",
                {**data, "outcome": "do_not_notify"},
            ),
        ]
    return render(items, actions, fallback_text=f"Decision on notification: {reference}")


def outcome_to_referrer_card(*, reference: str, notified: bool, when: datetime) -> dict[str, Any]:
    """What the referrer was promised on their confirmation: the Local Authority's decision."""
    text = (
        "The Local Authority has decided to **notify the national Panel**. A rapid review "
        "follows: the BDSCP Business Unit may ask your agency for information."
        if notified
        else "The Local Authority has decided **not to notify the national Panel**. The "
        "partnership may still consider other learning from the case."
    )
    return render(
        [
            *heading(f"Outcome on {reference}", subtle=f"Decided {day_and_time(when)}."),
            para(text),
            para(
                "Questions about the decision go to the BDSCP Business Unit.",
                is_subtle=True,
            ),
        ],
        fallback_text=f"Outcome on {reference}",
    )


# ----- notifications (1:1, to the Business Unit) ----------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One recipient on the checklist, and when it was recorded as told (if it was)."""

    key: str
    title: str
    sent: datetime | None = None  # local time
    reference: str = ""
    by: str = ""


def notifications_card(*, reference: str, due: str, notices: Sequence[Notice]) -> dict[str, Any]:
    """The Business Unit's checklist of who the Local Authority must tell, each marked sent
    with its date, time and reference."""
    items: list[Any] = [
        *heading(
            f"Notifications: {reference}",
            subtle="Who the Local Authority must tell (seed, section 3). Mark each once done.",
        ),
    ]
    if due:
        items.append(attention(f"The statutory deadline: 5 working days from awareness. {due}"))
    for notice in notices:
        if notice.sent is not None:
            detail = f"Told {day_and_time(notice.sent)}" + (
                f", reference {esc(notice.reference)}" if notice.reference else ""
            )
            if notice.by:
                detail += f"; recorded by {esc(notice.by)}"
            items.append(facts([(esc(notice.title), detail)]))
            continue
        items.append(
            ac.Container(
                separator=True,
                spacing=act.Spacing.MEDIUM,
                items=[
                    ac.TextBlock(text=esc(notice.title), weight=act.FontWeight.BOLDER, wrap=True),
                    ac.InputText(
                        id=f"ref_{notice.key}",
                        label="Their reference, if they gave one",
                        max_length=200,
                    ),
                    ac.ActionSet(
                        actions=[
                            execute(
                                f"Mark {notice.title} told",
                                "notify.mark",
                                {"case": reference, "recipient": notice.key},
                            )
                        ]
                    ),
                ],
            )
        )
    if all(notice.sent is not None for notice in notices):
        items.append(para("Everyone on the list has been told.", spacing="Medium"))
    return render(items, fallback_text=f"Notifications: {reference}")


def panel_text_card(*, reference: str, text: str) -> dict[str, Any]:
    """The text for the Panel's online form, to copy (personal: 1:1 only)."""
    return render(
        [
            *heading(
                f"For the Panel's online form: {reference}",
                subtle="Prepared from the referral. Check it, then copy it into the form.",
            ),
            ac.TextBlock(
                text="Confidential: contains personal details. Don't forward or copy it into a "
                "channel.",
                color=act.Colors.ATTENTION,
                wrap=True,
                size=act.FontSize.SMALL,
            ),
            ac.InputText(
                id="panel_text",
                label="Text for the Panel",
                is_multiline=True,
                value=text,
                max_length=6000,
            ),
        ],
        fallback_text=f"For the Panel's online form: {reference}",
    )


# ----- the rapid review decision (Day 15) -----------------------------------------------------


def review_prompt_card(
    *,
    reference: str,
    stage: str,
    proposal: Decided | None,
    ticked: Sequence[str],
    immediate_action: str,
    national: str,
    due: str,
    overdue_note: str,
    decided: Decided | None,
    rejected: Decided | None,
    past_month: bool = False,
    for_chair: bool,
    chair_ids: Sequence[str],
    error: str = "",
) -> dict[str, Any]:
    """The Business Unit's proposed decision on a local review, for the chair to approve or
    reject in the channel: the outcome and the criteria ticked (the notes and rationale go to
    the chair 1:1)."""
    items: list[Any] = [
        *heading(f"Rapid review decision: {reference}", subtle=f"Stage: {esc(stage)}. {esc(due)}"),
        *([attention(esc(error))] if error else []),
        *(
            [attention(esc(overdue_note)) if past_month else para(esc(overdue_note))]
            if overdue_note
            else []
        ),
    ]
    actions: list[Any] = []
    if proposal is None:
        items.append(para("The Business Unit hasn't proposed a decision yet.", is_subtle=True))
    else:
        items += [
            facts(
                [
                    ("Proposed", esc(proposal.outcome)),
                    ("By", esc(proposal.by)),
                    ("When", day_and_time(proposal.when)),
                    ("Immediate action for children's safety", esc(immediate_action)),
                    ("May need a national review", esc(national)),
                ]
            ),
            para("**Criteria ticked**", spacing="Medium"),
            para("\n\n".join(f"- {esc(t)}" for t in ticked) if ticked else "None ticked."),
        ]
    if decided is not None:
        items.append(para("**Approved by the chair**", spacing="Medium"))
        items += _decided_block(decided, "Decision")
    elif rejected is not None:
        items.append(para("**Sent back by the chair**", spacing="Medium"))
        items += _decided_block(rejected, "Outcome")
        items.append(para("The Business Unit can propose again with **decide**.", is_subtle=True))
    elif proposal is not None and for_chair:
        items.append(
            ac.InputText(
                id="rationale",
                label="Your note (required to send it back)",
                is_multiline=True,
                max_length=4000,
            )
        )
        items.append(para(RATIONALE_HINT, is_subtle=True, size=act.FontSize.SMALL))
        data = {"case": reference}
        actions = [
            execute(
                f"Approve the decision on {reference}",
                "review.approve",
                data,
                style=act.ActionStyle.POSITIVE,
            ),
            execute(f"Send the decision on {reference} back", "review.reject", data),
        ]
    elif proposal is not None:
        items.append(
            para(
                "Waiting for the Case Review Sub-group chair's approval. Only the chair can "
                "approve it.",
                is_subtle=True,
            )
        )
    card = render(items, actions, fallback_text=f"Rapid review decision: {reference}")
    if decided is None and rejected is None and proposal is not None and chair_ids:
        card["refresh"] = {
            "action": {
                "type": "Action.Execute",
                "verb": "review.prompt",
                "data": {"case": reference},
            },
            "userIds": list(chair_ids)[:60],
        }
    return card


def review_details_card(
    *,
    reference: str,
    outcome: str,
    rationale: str,
    consulted: str,
    notes: Sequence[tuple[str, str]],
    immediate: str,
) -> dict[str, Any]:
    """To the chair, 1:1: the proposal in full (its notes and rationale may be personal)."""
    items: list[Any] = [
        *heading(
            f"Proposed rapid review decision: {reference}",
            subtle="Approve or send it back with the buttons on the case review channel's card.",
        ),
        facts([("Proposed", esc(outcome))]),
        para(f"**Rationale:** {esc(rationale)}"),
        para(f"**Partners consulted, and their views:** {esc(consulted)}"),
    ]
    if immediate:
        items.append(para(f"**Immediate action:** {esc(immediate)}"))
    for title, note in notes:
        items.append(facts([(esc(title), esc(note))]))
    return render(items, fallback_text=f"Proposed rapid review decision: {reference}")


def proposal_sent_card(*, reference: str) -> dict[str, Any]:
    return render(
        [
            *heading(f"Sent to the chair: {reference}"),
            para(
                "The Case Review Sub-group chair approves it, or sends it back, on the case "
                "review channel's card. To change it before then, type **decide** and the case "
                "reference."
            ),
        ],
        fallback_text=f"Sent to the chair: {reference}",
    )


# ----- Day 20 and the Panel's answer (1:1, the Business Unit) ---------------------------------


def panel_card(
    *,
    reference: str,
    stage: str,
    review: str,
    history: Sequence[tuple[str, datetime]],
    report_sent: bool,
    error: str = "",
) -> dict[str, Any]:
    items: list[Any] = [
        *heading(f"The Panel: {reference}", subtle=f"Stage: {esc(stage)}."),
        *([attention(esc(error))] if error else []),
    ]
    if review:
        items.append(facts([("The rapid review's decision", esc(review))]))
    if history:
        items.append(facts((esc(what), day_and_time(when)) for what, when in history))
    items.append(
        ac.InputText(
            id="note",
            label="Note: what the Panel said, or what was sent",
            is_multiline=True,
            max_length=2000,
        )
    )
    data = {"case": reference}
    actions = []
    if not report_sent:
        actions.append(
            execute(
                f"Record the report on {reference} sent to the Panel",
                "panel.record",
                {**data, "what": "report_sent"},
                style=act.ActionStyle.POSITIVE,
            )
        )
    else:
        actions += [
            execute(
                f"The Panel agrees with the decision on {reference}",
                "panel.record",
                {**data, "what": "agrees"},
            ),
            execute(
                f"The Panel asks for more on {reference}",
                "panel.record",
                {**data, "what": "more_information"},
            ),
            execute(
                f"More information on {reference} sent",
                "panel.record",
                {**data, "what": "more_sent"},
            ),
            execute(
                f"The Panel takes a national review of {reference}",
                "panel.record",
                {**data, "what": "national_review"},
            ),
        ]
    return render(items, actions, fallback_text=f"The Panel: {reference}")
