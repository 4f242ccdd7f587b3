"""The referral: a practitioner reports a serious incident. The form is a spec
(workflow/referral.py), submitting it a flow (flows/referrals.py), and the one wizard
(dialogs/wizard.py) runs it; this is the glue: who it is prefilled for."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from dialogs.wizard import FormWizard, Person, WizardDeps
from flows.forms import FormFlow
from workflow.referral import REFERRAL


async def referrer_prefill(person: Person, today: date) -> Mapping[str, Mapping[str, Any]]:
    """The referrer's name from Teams, and their email from their profile if Teams answers in
    time (when it answers later, the referrer step picks it up); the day their agency became
    aware, as today until they say otherwise."""
    email = person.email
    if not email and person.profile_email is not None:
        email = await person.profile_email()
    return {
        "referrer": {"name": person.name, "email": email},
        "incident": {"aware_date": today.isoformat()},
    }


def referral_wizard(deps: WizardDeps, flow: FormFlow) -> FormWizard:
    return FormWizard(REFERRAL, deps, flow, prefill=referrer_prefill, late_prefill=("referrer",))
