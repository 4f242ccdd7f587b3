"""The referral: a practitioner reports a serious incident. The form is a spec
(workflow/referral.py), submitting it a flow (flows/referrals.py), and the one wizard
(dialogs/wizard.py) runs it; this is the glue: who it is prefilled for. The Business Unit
enters a referral that came by email or phone on the same wizard (REFERRAL_FOR)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from dialogs.wizard import FormWizard, Person, WizardDeps
from flows.forms import FormFlow
from workflow.referral import REFERRAL, REFERRAL_FOR


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


async def entered_prefill(person: Person, today: date) -> Mapping[str, Mapping[str, Any]]:
    """Entered for someone else: nothing about the referrer is known, only today's date."""
    return {"incident": {"aware_date": today.isoformat()}}


def entered_referral_wizard(deps: WizardDeps, flow: FormFlow) -> FormWizard:
    return FormWizard(REFERRAL_FOR, deps, flow, prefill=entered_prefill)
