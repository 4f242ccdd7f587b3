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
    CARD_BUDGET,
    attention,
    card_size,
    clip,
    day_and_time,
    esc,
    execute,
    facts,
    heading,
    in_parts,
    para,
    render,
)
from cards.forms import section_facts
from workflow.scoping import (
    SCOPING,
    SERIOUS_HARM,
    STATUTORY_TEST,
    TEST_QUESTIONS,
    VIEWS,
    Assessment,
)

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
PANEL_STEPS = {
    "report_sent": "The rapid review report sent to the Panel",
    "national_review": "The Panel is taking a national review",
    "more_information": "The Panel asked for more information",
    "more_sent": "More information sent to the Panel",
    "agrees": "The Panel agrees with the local decision",
}
RATIONALE_HINT = (
    "Required. It is shown with the decision in the case review channel: don't name the child "
    "or family."
)


def rationale_input(
    rationale: str = "", *, label: str = "Rationale", required: bool = True
) -> list[Any]:
    """The rationale box every decision card asks for, with what becomes of what is typed."""
    return [
        ac.InputText(
            id="rationale",
            label=label,
            is_multiline=True,
            max_length=4000,
            value=rationale or None,
            is_required=required or None,
            error_message="Give the rationale." if required else None,
        ),
        para(RATIONALE_HINT, is_subtle=True, size=act.FontSize.SMALL),
    ]


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


@dataclass(frozen=True)
class Invited:
    """Someone the Business Unit asked for a scoping view, and whether they gave it."""

    name: str
    agency: str
    when: datetime  # local time
    answered: bool


def invite_card(
    *,
    reference: str,
    people: Sequence[tuple[str, str]],  # (Entra id, name): who can be invited
    invited: Sequence[Invited],
    error: str = "",
    person: str = "",
    agency: str = "",
    done: str = "",
) -> dict[str, Any]:
    """The Business Unit's card to ask someone from another agency for a scoping view: they
    get the referral's details and the same scoping card as the partners."""
    items: list[Any] = [
        *heading(
            f"Invite another agency's view on {reference}",
            subtle="The person you invite gets the referral's details and the same scoping "
            "card as the partners, in a 1:1 chat with me. They can see this case only.",
        )
    ]
    if done:
        items.append(para(esc(done), color=act.Colors.GOOD, weight=act.FontWeight.BOLDER))
    if invited:
        items.append(para("**Invited so far**", spacing="Medium"))
        items.append(
            facts(
                (
                    f"{esc(i.name)} ({esc(i.agency)})",
                    ("View given" if i.answered else "No view yet")
                    + f"; invited {day_and_time(i.when)}",
                )
                for i in invited
            )
        )
    if error:
        items.append(attention(esc(error)))
    items += [
        ac.InputChoiceSet(
            id="person",
            label="Who to invite",
            choices=[ac.InputChoice(title=name, value=aad) for aad, name in people],
            value=person or None,
            is_required=True,
            error_message="Choose who to invite.",
            placeholder="Choose a person from the team",
        ),
        ac.InputText(
            id="agency",
            label="Their agency",
            placeholder="For example: Bradford Council Education Safeguarding",
            max_length=200,
            value=agency or None,
            is_required=True,
            error_message="Say which agency they are from.",
        ),
    ]
    actions = [
        execute(
            f"Invite them to give a view on {reference}",
            "scoping.invite",
            {"case": reference},
            style=act.ActionStyle.POSITIVE,
        )
    ]
    return render(items, actions, fallback_text=f"Invite another agency's view on {reference}")


def scoping_views_cards(
    *, reference: str, views: Sequence[tuple[ViewLine, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Every agency's current scoping view in full, for a 1:1 chat: as many cards as it
    takes, each within Teams' limit."""
    blocks: list[list[Any]] = [
        [
            ac.TextBlock(
                text=f"{esc(line.who)}: {VIEW_TITLES.get(line.outcome, line.outcome)} "
                f"({day_and_time(line.when)})",
                weight=act.FontWeight.BOLDER,
                wrap=True,
                separator=True,
                spacing=act.Spacing.MEDIUM,
            ),
            *section_facts(SCOPING.sections[0], answers, reader=True, one_each=True),
        ]
        for line, answers in views
    ] or [[para("No views have been given yet.")]]

    def card(items: list[Any], part: str) -> dict[str, Any]:
        title = f"Scoping views on {reference}{part}"
        return render(
            [
                *heading(
                    title,
                    subtle="Each agency's current view, in full; a revised view replaces the "
                    "earlier one, which is kept. For the partnership's use only.",
                ),
                *items,
            ],
            fallback_text=title,
        )

    return in_parts(blocks, card)


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
            # Once made, the card is the recommendation's record: the case card has the stage.
            subtle=None if decided is not None else f"Stage: {esc(stage)}. {esc(due)}",
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
        items += rationale_input(rationale)
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
    return for_the_chair(card, "chair.prompt", reference, chair_ids if decided is None else ())


def for_the_chair(
    card: dict[str, Any], verb: str, reference: str, chair_ids: Sequence[str]
) -> dict[str, Any]:
    """A channel card Teams refreshes for the chairs (``chair_ids``; none once decided), so
    they see the live buttons and everyone else the status (PLATFORM.md: at most 60 ids)."""
    if chair_ids:
        card["refresh"] = {
            "action": {"type": "Action.Execute", "verb": verb, "data": {"case": reference}},
            "userIds": list(chair_ids)[:60],
        }
    return card


# ----- what next, when the Local Authority does not notify (the case review channel) ---------

NEXT_STEPS = {
    "single_agency_review": "A single agency review",
    "audit": "A single or multi-agency audit",
    "learning_event": "A learning event",
    "no_further_action": "No further action: the case closes",
}
NEXT_STEP_BUTTONS = {
    "single_agency_review": "Start a single agency review of {ref}",
    "audit": "Start an audit of {ref}",
    "learning_event": "Hold a learning event on {ref}",
    "no_further_action": "Close {ref} with no further action",
}


def next_step_card(
    *,
    reference: str,
    stage: str,
    la_decision: Decided,
    decided: Decided | None,
    for_chair: bool,
    chair_ids: Sequence[str],
    error: str = "",
    rationale: str = "",
) -> dict[str, Any]:
    """After the Local Authority decides not to notify: the case may still have a local
    review of another kind, or close (PROCESS.md, "Not notifiable"). The chair chooses, with
    a rationale; everyone else sees the status."""
    items: list[Any] = [
        *heading(f"What next for {reference}", subtle=f"Stage: {esc(stage)}."),
        *([attention(esc(error))] if error else []),
        para("**The Local Authority's decision**", spacing="Medium"),
        *_decided_block(la_decision, "Decision"),
    ]
    actions: list[Any] = []
    if decided is not None:
        items.append(para("**The chair's decision on what next**", spacing="Medium"))
        items += _decided_block(decided, "Next step")
    elif for_chair:
        items.append(
            para(
                "**Your decision.** The case was not notified, but partners can still learn "
                "from it. Give your rationale, then choose the next step.",
                spacing="Medium",
            )
        )
        items += rationale_input(rationale)
        actions = [
            execute(
                title.format(ref=reference),
                "next.decide",
                {"case": reference, "outcome": key},
                style=act.ActionStyle.POSITIVE if n == 0 else None,
            )
            for n, (key, title) in enumerate(NEXT_STEP_BUTTONS.items())
        ]
    else:
        items.append(
            para(
                "Waiting for the Case Review Sub-group chair to decide what happens next. Only "
                "the chair can decide it.",
                spacing="Medium",
                is_subtle=True,
            )
        )
    card = render(items, actions, fallback_text=f"What next for {reference}")
    return for_the_chair(card, "next.prompt", reference, chair_ids if decided is None else ())


# ----- the Local Authority's decision (1:1) ----------------------------------------------------


REASON_LIMITS = (3000, 1500, 800, 400, 200)  # characters of each reason, tried in turn


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
    recommendation and the partners' views with their reasons; notify or not. Long reasons
    are shortened only as far as the card must be to fit Teams' limit, and the card then
    says how to read them in full."""
    for limit in REASON_LIMITS:
        card = _la_decision_card(
            reference=reference,
            recommendation=recommendation,
            views=views,
            due=due,
            decided=decided,
            recording_for=recording_for,
            error=error,
            rationale=rationale,
            reason_limit=limit,
        )
        if card_size(card) <= CARD_BUDGET:
            break
    return card


def _la_decision_card(
    *,
    reference: str,
    recommendation: Decided,
    views: Sequence[tuple[ViewLine, str]],
    due: str,
    decided: Decided | None,
    recording_for: str,
    error: str,
    rationale: str,
    reason_limit: int,
) -> dict[str, Any]:
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
                    ("Reason", esc(clip(reason, reason_limit)) or "Not given"),
                ]
            )
        )
    if not views:
        items.append(para("No views were given.", is_subtle=True))
    elif any(len(reason) > reason_limit for _, reason in views):
        items.append(
            para(
                f"Long reasons are shortened here. To read every view in full, type "
                f"**scoping {reference}**.",
                is_subtle=True,
            )
        )
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
        items += rationale_input(rationale)
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
    short: str  # as a sentence names it: "the national Panel"
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
                        label=f"The reference {notice.short} gave, if any",
                        max_length=200,
                    ),
                    ac.ActionSet(
                        actions=[
                            execute(
                                f"Mark {notice.short} as told",
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
        items.append(
            para(
                "The Business Unit hasn't proposed a decision yet: it proposes one with "
                f"**decide {reference}**, for the chair to approve.",
                is_subtle=True,
            )
        )
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
        items += rationale_input(label="Your note (required to send it back)", required=False)
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
    live = decided is None and rejected is None and proposal is not None
    return for_the_chair(card, "review.prompt", reference, chair_ids if live else ())


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
