"""Every form on the engine, in one table: its spec, the flow that submits it, and what fills
it in beforehand. The wizards, the forms' card verbs and the card-budget test are all made
from ``FORMS``: a new form is a spec, a flow and one row here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.referral import entered_prefill, referrer_prefill
from dialogs.wizard import FormWizard, Person, Prefill, WizardDeps, no_prefill
from flows.actions import ActionAddFlow, ActionUpdateFlow
from flows.addinfo import AddInfoFlow
from flows.context import CaseContext
from flows.forms import FormFlow
from flows.igt_returns import IgtFlow, prefill_for
from flows.lcspr import (
    CommissioningFlow,
    CommsFlow,
    commissioning_prefill,
    comms_prefill,
    teller_prefill,
)
from flows.lcspr_delay import DelayFlow
from flows.referrals import ReferralFlow
from flows.review import ReviewProposalFlow
from flows.scoping import ScopingFlow
from storage.models import Case
from workflow.actions import ACTION_ADD, ACTION_UPDATE
from workflow.addinfo import ADD_INFO
from workflow.forms import FormSpec
from workflow.igt import IGT
from workflow.lcspr import COMMISSIONING, COMMS_PLAN, DELAY
from workflow.referral import REFERRAL, REFERRAL_FOR
from workflow.review import REVIEW
from workflow.scoping import SCOPING

# Known answers from the case a per-case form is about, read in the transaction that makes
# the draft: (session, the case context, who, the case's id, now) -> section -> values.
CasePrefill = Callable[
    [AsyncSession, CaseContext, Person, int, datetime], Awaitable[Mapping[str, Any]]
]


@dataclass(frozen=True)
class Form:
    """One form: ``spec``; ``flow(context)`` makes what submits it; ``prefill`` gives known
    answers about the person (``late_prefill``: sections given them again when reached);
    ``case_prefill`` known answers from the case."""

    spec: FormSpec
    flow: Callable[[CaseContext], FormFlow]
    prefill: Prefill = no_prefill
    late_prefill: tuple[str, ...] = ()
    case_prefill: CasePrefill | None = None

    def wizard(self, deps: WizardDeps, context: CaseContext) -> FormWizard:
        from_case = self.case_prefill

        async def case_prefill(
            session: AsyncSession, person: Person, case_id: int, now: datetime
        ) -> Mapping[str, Any]:
            assert from_case is not None
            return await from_case(session, context, person, case_id, now)

        return FormWizard(
            self.spec,
            deps,
            self.flow(context),
            prefill=self.prefill,
            late_prefill=self.late_prefill,
            case_prefill=case_prefill if from_case is not None else None,
        )


async def _commissioning(
    session: AsyncSession, context: CaseContext, _person: Person, case_id: int, _now: datetime
) -> Mapping[str, Any]:
    return await commissioning_prefill(session, context, case_id)


async def _comms(
    session: AsyncSession, context: CaseContext, _person: Person, case_id: int, _now: datetime
) -> Mapping[str, Any]:
    return await comms_prefill(session, context, case_id)


async def _igt(
    session: AsyncSession, context: CaseContext, person: Person, case_id: int, now: datetime
) -> Mapping[str, Any]:
    case = await session.get(Case, case_id)
    if case is None:
        return {}
    return await prefill_for(session, context, case, person.aad_object_id, person.name, now)


def _entered(context: CaseContext) -> ReferralFlow:
    return ReferralFlow(context, for_someone=True)


FORMS: tuple[Form, ...] = (
    Form(REFERRAL, ReferralFlow, prefill=referrer_prefill, late_prefill=("referrer",)),
    Form(REFERRAL_FOR, _entered, prefill=entered_prefill),
    Form(ADD_INFO, AddInfoFlow),
    Form(SCOPING, ScopingFlow),
    Form(REVIEW, ReviewProposalFlow),
    Form(IGT, IgtFlow, case_prefill=_igt),
    Form(ACTION_ADD, ActionAddFlow),
    Form(ACTION_UPDATE, ActionUpdateFlow),
    Form(COMMISSIONING, CommissioningFlow, prefill=teller_prefill, case_prefill=_commissioning),
    Form(DELAY, DelayFlow),
    Form(COMMS_PLAN, CommsFlow, case_prefill=_comms),
)


def wizards(forms: Sequence[Form], deps: WizardDeps, context: CaseContext) -> dict[str, FormWizard]:
    """A wizard per form kind; a kind given twice is a mistake, caught at start-up."""
    made: dict[str, FormWizard] = {}
    for form in forms:
        if form.spec.kind in made:
            raise ValueError(f"form {form.spec.kind!r} is in the table twice")
        made[form.spec.kind] = form.wizard(deps, context)
    return made
