"""The Information Gathering Tool: the form is a spec (workflow/igt.py), returning it a flow
(flows/igt.py), and the one wizard (dialogs/wizard.py) runs it; this is the glue: a new form
is prefilled from the case (the referral, or the respondent's latest return)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.wizard import FormWizard, Person, WizardDeps
from flows.cases import CaseContext
from flows.igt import IgtFlow, prefill_for
from storage.models import Case
from workflow.igt import IGT


def igt_wizard(deps: WizardDeps, context: CaseContext) -> FormWizard:
    async def from_the_case(
        session: AsyncSession, person: Person, case_id: int, now: datetime
    ) -> Mapping[str, Any]:
        case = await session.get(Case, case_id)
        if case is None:
            return {}
        return await prefill_for(session, context, case, person.aad_object_id, person.name, now)

    return FormWizard(IGT, deps, IgtFlow(context), case_prefill=from_the_case)
