"""Each flow checks its own rule when called directly, not only behind the command or the
button that reaches it: with no role (or the wrong one) it refuses, changes nothing, and gives
back nothing of the case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import SERVICES
from flows.closure import close_case, close_item
from flows.forms import Refused
from flows.invitations import invite
from flows.la_decision import la_decide
from flows.lcspr_delay import answer_delay
from flows.not_notified import decide_next_step
from flows.notifications import mark_notified
from flows.panel import record_panel_step
from flows.recommendation import recommend
from flows.review import answer_proposal
from storage import cases
from storage.db import transaction
from storage.models import DecisionRow
from tests.fakes import FakeConnector
from tests.http.test_authorisation_matrix import CASE_A, NOW, PERSONAS, matrix_app

STEPS: dict[str, tuple[Any, dict[str, Any]]] = {
    "recommend": (recommend, {"outcome": "notify", "rationale": "Forged."}),
    "la_decide": (la_decide, {"outcome": "notify", "rationale": "Forged."}),
    "decide_next_step": (decide_next_step, {"outcome": "close", "rationale": "Forged."}),
    "answer_proposal": (answer_proposal, {"approve": True, "note": "Forged."}),
    "answer_delay": (answer_delay, {"request": 1, "approve": True, "note": "Forged."}),
    "close_case": (close_case, {"reason": "Forged."}),
    "close_milestone": (close_item, {"item": "milestone", "number": 1, "reason": "Forged."}),
    "close_action": (close_item, {"item": "action", "number": 1, "reason": "Forged."}),
    "mark_notified": (mark_notified, {"recipient": "ofsted", "external_reference": "x"}),
    "record_panel_step": (record_panel_step, {"what": "report_sent", "note": "Forged."}),
    "invite": (invite, {"person": PERSONAS["practitioner"]["aadObjectId"], "agency": "School"}),
}


@pytest.mark.parametrize("name", sorted(STEPS))
@pytest.mark.parametrize("who", ["none", "practitioner", "partner_police"])
async def test_a_flow_refuses_someone_its_rule_does_not_allow_when_called_directly(
    tmp_path: Path, serve: Any, connector: FakeConnector, name: str, who: str
) -> None:
    app, _client = await matrix_app(tmp_path, serve, connector)
    services = app[SERVICES]
    step, inputs = STEPS[name]
    roles = frozenset() if who == "none" else frozenset({who})
    async with services.sessions() as session:
        decisions_before = await session.scalar(select(func.count()).select_from(DecisionRow))
        stage_before = (await cases.get_case(session=session, reference=CASE_A)).stage
    try:
        async with transaction(services.sessions) as session:
            answer = await step(
                session,
                services.cases,
                reference=CASE_A,
                actor=PERSONAS[who]["aadObjectId"],
                roles=roles,
                now=NOW,
                **inputs,
            )
    except Refused as refused:
        said = str(refused)
    else:
        # Refused in the answer: nothing changed, and no card (the case's content) with it.
        assert answer is None or (answer.card is None and not answer.changed), (name, answer)
        said = answer.message if answer is not None else ""
    assert "Matrix test" not in said
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DecisionRow)) == (
            decisions_before
        )
        assert (await cases.get_case(session=session, reference=CASE_A)).stage == stage_before
