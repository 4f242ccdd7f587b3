"""Whether the database answers, as ``/healthz`` reports it: now, since when it has not, and
the last outage (from when to when), so that an outage is still seen after it ends.

Fed by ``/healthz``'s own ping and by every turn that fails because the database did not
answer (``bot.adapter``); a turn that succeeds afterwards does not clear it, only a ping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exc


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) is the database not answering: refused, dropped,
    timed out, or SQLite's lock not free in time; not a bug in a query."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, exc.DBAPIError) and seen.connection_invalidated:
            return True
        if isinstance(seen, exc.OperationalError | exc.InterfaceError | exc.TimeoutError):
            return True
        if isinstance(seen, ConnectionError | TimeoutError) or type(seen).__name__ in (
            "CannotConnectNowError",
            "ConnectionDoesNotExistError",
            "ConnectionFailureError",
            "AdminShutdownError",
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@dataclass
class DatabaseHealth:
    down_since: datetime | None = None
    last_outage: tuple[datetime, datetime] | None = None
    failed_turns: int = 0  # turns answered "try again shortly" since the bot started

    def seen(self, ok: bool, now: datetime) -> None:
        if not ok and self.down_since is None:
            self.down_since = now
        elif ok and self.down_since is not None:
            self.last_outage = (self.down_since, now)
            self.down_since = None

    def turn_failed(self, now: datetime) -> None:
        self.failed_turns += 1
        self.seen(False, now)

    def report(self) -> dict[str, Any]:
        found: dict[str, Any] = {"failed_turns": self.failed_turns}
        if self.down_since is not None:
            found["down_since"] = self.down_since.isoformat()
        if self.last_outage is not None:
            found["last_outage"] = {
                "from": self.last_outage[0].isoformat(),
                "to": self.last_outage[1].isoformat(),
            }
        return found
