"""What the referral forms know before anyone types: the referrer from Teams, and today as
the day their agency became aware. The form is a spec (workflow/referral.py), submitting it a
flow (flows/referrals.py), its row in dialogs/forms.py; the Business Unit enters a referral
that came by email or phone on the same form (REFERRAL_FOR)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from dialogs.wizard import Person


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


async def entered_prefill(person: Person, today: date) -> Mapping[str, Mapping[str, Any]]:
    """Entered for someone else: nothing about the referrer is known, only today's date."""
    return {"incident": {"aware_date": today.isoformat()}}
