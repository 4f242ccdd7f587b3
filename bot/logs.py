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


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(FieldsFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The SDK's HTTP stack is chatty at INFO and can echo request bodies at DEBUG.
    for noisy in ("msrest", "azure", "aiohttp.access", "apscheduler", "alembic", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
