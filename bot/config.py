"""The partnership's configuration files, read from disk here (workflow/ only parses text):
the timetable, and the reminder rules."""

from __future__ import annotations

from pathlib import Path

from workflow.nudges import Rules, parse_rules
from workflow.timetable import Timetable, TimetableError, parse_timetable


def load_timetable(path: str | Path) -> Timetable:
    """The timetable in ``path``, checked whole; ``TimetableError`` names the first problem."""
    location = Path(path)
    try:
        text = location.read_text()
    except OSError as error:
        raise TimetableError(f"cannot read timetable file {location}: {error.strerror}") from None
    return parse_timetable(text, source=str(location))


def load_rules(path: str | Path) -> Rules:
    """The reminder rules in ``path``; the defaults for whatever it doesn't say (or if it's
    absent)."""
    location = Path(path)
    return parse_rules(location.read_text() if location.is_file() else "")
