"""What every case flow is given, made once at start-up: the data key, the timetable, the
time zone, where the case review channel is, and who to contact.

The case review channel has one holder, ``ReviewChannel``: the messenger, the outbox and
every flow read it from here, so ``setup`` changes it in one place, and each instance
re-reads the stored choice every minute (another instance's ``setup`` reaches it too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import Cipher
from storage.settings import CASE_REVIEW_CHANNEL, stored_setting
from workflow.timetable import Timetable


@dataclass
class ReviewChannel:
    """The case review channel's id ("" until one is configured or set up)."""

    id: str = ""

    def use(self, channel_id: str) -> None:
        self.id = channel_id

    async def refresh(self, session: AsyncSession) -> None:
        """The channel ``setup`` chose (on any instance) outranks the configured one."""
        chosen = await stored_setting(session=session, key=CASE_REVIEW_CHANNEL)
        if chosen:
            self.id = chosen


@dataclass(frozen=True)
class CaseContext:
    cipher: Cipher
    timetable: Timetable
    timezone: ZoneInfo
    channel: ReviewChannel = field(default_factory=ReviewChannel)
    contact_email: str = ""

    @property
    def case_review_channel_id(self) -> str:
        return self.channel.id
