"""The rapid review pack: what the bot holds on a case, gathered for the rapid review report to
the national Panel (``pack BR-...``), and built into a Word document in memory.

The content is strings and lists of strings only, named as ``cards.pack_document.FIELDS``
says. A field the case does not have yet reads "Not yet recorded", never blank and never
guessed; an answer withheld for a police investigation reads as withheld and its value is
never read into the pack. The caller checks who may have it and audits each build.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards.pack_document import FIELDS, NOT_YET
from flows.common import current
from flows.context import CaseContext
from flows.igt import PURPOSE
from storage import people, requests
from storage.milestones import list_milestones
from storage.models import Case
from storage.referrals import read_referral
from workflow import criteria
from workflow import notifications as notices
from workflow.calendar import british
from workflow.decisions import DecisionKind
from workflow.forms import WITHHELD_TEXT, parse_date, withheld
from workflow.igt import IGT
from workflow.igt import chronology as merged_chronology
from workflow.review import CRITERIA_TITLES, HAVE_REGARD_TO, MUST_TAKE_INTO_ACCOUNT, OUTCOME_TITLES
from workflow.roles import label
from workflow.scoping import STATUTORY_TEST, TEST_QUESTIONS, VIEWS, YES_NO_NOT_YET, assess
from workflow.stages import STAGE_LABELS, Stage

PARTNERSHIP = "Bradford District Safeguarding Children Partnership"
SYNOPSIS_FIELDS = (*IGT.section("synopsis").fields, *IGT.section("synopsis_more").fields)
ANSWERS = dict(YES_NO_NOT_YET)
VIEW_TITLES = dict(VIEWS)
LOOKS_MET = {
    "yes": "every part of the test is answered yes: the case looks to meet it",
    "no": "a part of the test is answered no: the case does not look to meet it",
    "not_clear": "not clear yet",
}
YES_NO = {"yes": "Yes", "no": "No", "unsure": "Not sure"}


def _text(value: object) -> str:
    words = str(value or "").strip()
    return words or NOT_YET


def _day(value: date | datetime | None, context: CaseContext) -> str:
    if value is None:
        return NOT_YET
    if isinstance(value, datetime):
        value = value.astimezone(context.timezone).date()
    return british(value)


def _age(child: Mapping[str, Any], on: date | None) -> str:
    born = parse_date(str(child.get("date_of_birth", "")))
    if born is None or on is None:
        return "age not known"
    years = notices.age_on(born, on)
    return "under 1 year old at the incident" if years < 1 else f"aged {years} at the incident"


def _plain(markdown: str) -> str:
    return markdown.replace("**", "")


async def pack_content(
    session: AsyncSession,
    context: CaseContext,
    case: Case,
    now: datetime,
    *,
    dates_of_birth: bool = False,
) -> dict[str, Any]:
    """Everything the pack shows, from what is stored. ``dates_of_birth`` only when the
    template asks for them (ages otherwise)."""
    referral = (await read_referral(session=session, master=context.cipher, case=case)).form
    incident = referral.get("incident") or {}
    happened = parse_date(str(incident.get("incident_date", "")))
    milestones = {m.key: m for m in await list_milestones(session=session, case=case)}
    meeting = milestones.get("rapid_review_meeting")
    decided = await current(session, context, case, DecisionKind.REVIEW_DECISION)
    views = await current(session, context, case, DecisionKind.SCOPING_VIEW)
    la = await current(session, context, case, DecisionKind.LA_DECISION)
    asked = {
        r.id: r for r in await requests.list_requests(session=session, case=case, purpose=PURPOSE)
    }
    returns = await requests.latest_returns(session=session, master=context.cipher, case=case)
    ids = {v.decided_by for v in (*views, *decided)} | {r.submitted_by for r in returns.values()}
    if decided:
        ids |= {decided[-1].recorded_by or ""} | set(decided[-1].consulted)
    named = await people.names(session=session, aad_ids=sorted(i for i in ids if i))

    def name(aad: str | None) -> str:
        return (named.get(aad or "") or "") or "Someone"

    children = [
        {
            "number": str(n),
            "name": _text(child.get("name") or child.get("identifying_details")),
            "age": _age(child, happened),
            "date_of_birth": _day(parse_date(str(child.get("date_of_birth", ""))), context)
            if dates_of_birth
            else "",
        }
        for n, child in enumerate(referral.get("child") or [], 1)
        if isinstance(child, Mapping)
    ]
    rapid_review = NOT_YET
    if meeting is not None and meeting.completed_at is not None:
        rapid_review = _day(meeting.completed_at, context)
    elif meeting is not None and meeting.due_date is not None:
        rapid_review = f"Not yet held (due by {british(meeting.due_date)})"
    outline = {
        "referring_agency": _text(case.referring_agency),
        "stage": STAGE_LABELS.get(Stage(case.stage), case.stage),
        "incident_date": _day(happened, context),
        "what_happened": _text(incident.get("what_happened")),
        "awareness_date": _day(case.awareness_date, context),
        "notification_date": _day(case.notification_date, context),
        "rapid_review_meeting": rapid_review,
    }
    partner_views = [
        {
            "partner": label(v.decided_role),
            "by": name(v.decided_by),
            "given_on": _day(v.decided_at, context),
            "view": VIEW_TITLES.get(v.outcome, v.outcome),
            **{q: ANSWERS.get(str(v.views.get(q, "")), NOT_YET) for q in TEST_QUESTIONS},
            "reason": _text(v.rationale),
        }
        for v in views
    ]
    keys = [k for k in _criteria_keys(case) if k in criteria.ALL]
    agencies, none, immediate, practitioners = [], [], [], []
    chronology_in = []
    for request_id, ret in sorted(returns.items()):
        request = asked.get(request_id)
        agency = request.agency if request is not None else "An agency"
        if ret.kind != "return":
            none.append({"agency": agency, "reason": _text(ret.form.get("reason"))})
            continue
        chronology_in.append((agency, ret.form))
        answers = []
        for fld in SYNOPSIS_FIELDS:
            section = ret.form.get(_section_of(fld.id)) or {}
            hidden = withheld(section, fld.id)
            answer = WITHHELD_TEXT if hidden else _text(section.get(fld.id))
            answers.append({"question": fld.label, "answer": answer})
            if fld.id == "immediate_action" and answer != NOT_YET:
                immediate.append({"agency": agency, "action": answer})
        completing = ret.form.get("completing") or {}
        agencies.append(
            {
                "agency": agency,
                "returned_on": _day(ret.submitted_at, context),
                "completed_by": _text(completing.get("name") or name(ret.submitted_by)),
                "answers": answers,
            }
        )
        for row in ret.form.get("practitioners") or []:
            if isinstance(row, Mapping) and str(row.get("name") or "").strip():
                practitioners.append(
                    {"name": str(row["name"]), "role": _text(row.get("role")), "agency": agency}
                )
    chronology = [
        {
            "date": british(e.on) if e.on else "Date not given",
            "time": e.time,
            "agency": e.agency,
            "event": e.event,
        }
        for e in merged_chronology(chronology_in)
    ]
    decision = dict.fromkeys(FIELDS["decision"] or (), NOT_YET)
    section5: list[dict[str, str]] = []
    if decided:
        d = decided[-1]
        flat = d.views
        if flat.get("immediate_note"):
            immediate.append({"agency": "The rapid review", "action": str(flat["immediate_note"])})
        decision = {
            "outcome": OUTCOME_TITLES.get(d.outcome, d.outcome),
            "rationale": _text(d.rationale),
            "decided_by": f"{name(d.decided_by)}, {label(d.decided_role)}",
            "decided_on": _day(d.decided_at, context),
            "proposed_by": name(d.recorded_by) if d.recorded_by else NOT_YET,
            "consulted": _text(flat.get("consulted")),
            "immediate_action": YES_NO.get(str(flat.get("immediate_action")), NOT_YET),
            "immediate_note": str(flat.get("immediate_note") or ""),
            "national": YES_NO.get(str(flat.get("national")), NOT_YET),
        }
        ticked = set(str(flat.get("must", "")).split(",")) | set(
            str(flat.get("regard", "")).split(",")
        )
        for group, items in (
            ("must take into account", MUST_TAKE_INTO_ACCOUNT),
            ("should have regard to", HAVE_REGARD_TO),
        ):
            for key, _title in items:
                section5.append(
                    {
                        "group": group,
                        "criterion": CRITERIA_TITLES[key],
                        "ticked": "Ticked" if key in ticked else "Not ticked",
                        "note": _text(flat.get(f"note_{key}")),
                    }
                )
    notified = bool(la) and la[-1].outcome == "notify"
    text = notices.panel_text(referral, notifier=notices.NOTIFIER) if notified else ""
    return {
        "reference": case.reference,
        "generated_on": british(now.astimezone(context.timezone).date()),
        "partnership": PARTNERSHIP,
        "outline": outline,
        "children": children,
        "statutory_test": _plain(STATUTORY_TEST),
        "partner_views": partner_views,
        "test_assessment": LOOKS_MET[assess([v.views for v in views]).looks_met]
        if views
        else NOT_YET,
        "panel_criteria": [{"criterion": criteria.ALL[k].text} for k in keys],
        "chronology": chronology,
        "agencies": agencies,
        "no_involvement": none,
        "immediate_actions": immediate,
        "section5": section5,
        "decision": decision,
        "notification": {
            "notified_on": _day(case.notification_date, context),
            "text": text or NOT_YET,
            "lines": text.splitlines() if text else [NOT_YET],
        },
        "practitioners": practitioners,
    }


def _section_of(field_id: str) -> str:
    return next(
        s.key for s in IGT.sections if not s.repeating and any(f.id == field_id for f in s.fields)
    )


def _criteria_keys(case: Case) -> list[str]:
    try:
        found = json.loads(case.criteria or "[]")
    except ValueError:
        return []
    return [str(k) for k in found] if isinstance(found, list) else []
