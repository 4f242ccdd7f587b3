"""What the wizard hands a form's flow on submit, and what a form's flow must do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession


class Refused(Exception):
    """A flow will not do what was asked (the person may not, say): its message tells them
    why, in words for them. Nothing is written; the form stays open as it was."""


class Submitter(Protocol):
    @property
    def aad_object_id(self) -> str: ...

    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class Submission:
    """The checked answers and who submitted them."""

    draft_id: str
    form: dict[str, Any]
    person: Submitter
    case_id: int | None  # the case the form is about, for a per-case form
    now: datetime
    today: date


class FormFlow(Protocol):
    """What submitting a form does. ``submit`` runs in the wizard's transaction (the draft is
    closed in the same one) and returns the id of the case it made or added to; the
    confirmation is shown for it, again on a double submit. The audit log records the
    person's real roles, never a label for the form."""

    async def submit(self, session: AsyncSession, submission: Submission) -> int | None: ...

    async def confirmation(self, session: AsyncSession, case_id: int | None) -> dict[str, Any]: ...
