"""Logging: one line per event, structured fields appended as key=value.

Log lines carry references, verbs, counts and ids, never personal data (no child or family
names, dates of birth, addresses, and no free text a user typed).
"""

from __future__ import annotations

import logging
import sys

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class FieldsFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        fields = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        if not fields:
            return base
        extra = " ".join(f"{k}={v!r}" for k, v in sorted(fields.items()))
        if "\n" in base:
            head, _, tail = base.partition("\n")
            return f"{head} {extra}\n{tail}"
        return f"{base} {extra}"


# Libraries whose DEBUG lines carry SQL parameters, request bodies, names or conversation
# references. They stay at WARNING whatever LOG_LEVEL says, unless LOG_LIBRARIES asks.
LIBRARIES = (
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "msrest",
    "msal",
    "azure",
    "botbuilder",
    "botframework",
    "aiohttp",
    "apscheduler",
    "alembic",
    "urllib3",
    "requests",
    "asyncio",
)


def configure(level: str = "INFO", *, libraries: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(FieldsFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    library_levels(level, libraries=libraries)


def library_levels(level: str | int, *, libraries: bool = False) -> None:
    """Library loggers at WARNING, or at ``level`` when ``libraries`` asks for them."""
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(level if libraries else logging.WARNING)
