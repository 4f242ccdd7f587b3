"""Forms as data: a form is a ``FormSpec`` of sections and typed fields, with their limits,
choices, help, repeating rows and checks. One reader, one checker serve every form.

Pure: what a card sent in, cleaned values and messages out; ``today`` is a parameter.

What comes from a card is never trusted. Every answer is read as its plain meaning or refused
next to its field: text as text; a number as its digits; a list, an object or a yes/no where
text was asked for is refused ("type it again"). Control characters, direction overrides and
zero-width characters are removed. Dates are ``YYYY-MM-DD`` only. An answer longer than its
field allows is cut to the limit, and the message says so: what is kept is what is shown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

FIELD_KINDS = ("text", "multiline", "date", "time", "email", "phone", "choice", "multichoice")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()\-]{7,20}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# A section's answers the person may mark withheld rather than give (the seed: while a police
# investigation is ongoing, some information can't be shared yet): the field ids, under this
# key of the section's values.
WITHHELD = "_withheld"
WITHHELD_TEXT = "Withheld: ongoing police investigation"
_KEEP = {"\n", "\t"}


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    kind: str = "text"  # one of FIELD_KINDS
    max_length: int = 200
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, title)
    placeholder: str = ""
    help: str = ""  # shown under the field
    personal: bool = True  # about the child or family (never in channel posts or logs)
    # How others reading the answers see the label ("Your name" is "Name" to the chair).
    reader_label: str = ""
    expanded: bool = False  # a choice shown as buttons, all visible, rather than a list
    may_withhold: bool = False  # may be marked withheld (ongoing investigation) instead
    future: bool = False  # a date that may be after today (a due date); else it can't be

    @property
    def label_for_reader(self) -> str:
        return self.reader_label or self.label

    def __post_init__(self) -> None:
        if self.kind not in FIELD_KINDS:
            raise ValueError(f"field {self.id!r}: kind {self.kind!r} is not one of {FIELD_KINDS}")
        if self.kind in ("choice", "multichoice") and not self.choices:
            raise ValueError(f"field {self.id!r}: a {self.kind} needs choices")

    def title_of(self, value: str) -> str:
        return dict(self.choices).get(value, value)


# A section check: the section's values (a dict, or one row's dict) and the messages found so
# far (input ids, without row suffix) -> more messages by field id.
Check = Callable[[Mapping[str, Any], Mapping[str, str]], dict[str, str]]

# A form check, across sections: the whole form -> messages by section key, then input id.
# Each section's messages show when that section's step is checked, and on the summary.
FormCheck = Callable[[Mapping[str, Any]], dict[str, dict[str, str]]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str
    fields: tuple[Field, ...]
    repeating: bool = False
    row_noun: str = ""
    min_rows: int = 0
    max_rows: int = 20
    checks: tuple[Check, ...] = ()  # per row, for a repeating section
    # A long repeating section shows this many rows a step at a time ("Events 11 to 20"),
    # to keep each card within Teams' limit; 0: all of them.
    page_rows: int = 0
    name: str = ""  # how a button names it ("Edit the child"); the title, lower-cased, if not
    reader_title: str = ""  # the title others reading the answers see ("The referrer")

    @property
    def title_for_reader(self) -> str:
        return self.reader_title or self.title

    @property
    def button_name(self) -> str:
        return self.name or self.title[:1].lower() + self.title[1:]

    @property
    def withholdable(self) -> tuple[Field, ...]:
        """The answers that may be marked withheld (a section of one, not rows)."""
        return () if self.repeating else tuple(f for f in self.fields if f.may_withhold)

    def page_of(self, row: int) -> int:
        """The first row of the page that shows ``row``."""
        if not self.page_rows:
            return 0
        return max(0, row) // self.page_rows * self.page_rows

    def field(self, field_id: str) -> Field:
        for fld in self.fields:
            if fld.id == field_id:
                return fld
        raise KeyError(field_id)


@dataclass(frozen=True)
class FormSpec:
    """A whole form. ``kind`` names it (drafts, verbs); ``noun`` is how cards speak of it
    ("referral"); ``command`` is the word that starts it."""

    kind: str
    title: str  # "New referral"
    noun: str  # "referral"
    command: str  # "refer"
    sections: tuple[Section, ...]
    submit_label: str = "Submit"
    submit_note: str = ""  # on the summary, above the submit button
    hint: str = ""  # under the first step's heading: what the form is (and is not) for
    per_case: bool = False  # filled in about one case: started with it, never without
    checks: tuple[FormCheck, ...] = ()  # across sections
    # Brings answers saved under an earlier shape of the form (a draft, a stored version) to
    # this one; given the saved form, returns it as this spec expects.
    upgrade: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        keys = [s.key for s in self.sections]
        if len(set(keys)) != len(keys):
            raise ValueError(f"form {self.kind!r}: section keys repeat")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.sections)

    def current(self, form: dict[str, Any]) -> dict[str, Any]:
        """``form`` in this spec's shape, whatever shape it was saved in."""
        return self.upgrade(form) if self.upgrade else form

    def section(self, key: str) -> Section:
        for sec in self.sections:
            if sec.key == key:
                return sec
        raise KeyError(key)

    def step(self, key: str) -> int:
        return self.keys.index(key) + 1

    def next_section(self, key: str) -> str | None:
        index = self.keys.index(key)
        return self.keys[index + 1] if index + 1 < len(self.keys) else None

    def previous_section(self, key: str) -> str | None:
        index = self.keys.index(key)
        return self.keys[index - 1] if index > 0 else None

    def empty(self, prefill: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A blank form; ``prefill`` gives known answers: section -> field -> value, or for a
        repeating section a list of rows (as many as it takes, unknown fields ignored)."""
        form: dict[str, Any] = {}
        for sec in self.sections:
            if sec.repeating:
                form[sec.key] = [_blank_row(sec) for _ in range(sec.min_rows)]
            else:
                form[sec.key] = _blank_row(sec)
                if sec.withholdable:
                    form[sec.key][WITHHELD] = []
        for key, values in (prefill or {}).items():
            if key not in self.keys:
                continue
            sec = self.section(key)
            if sec.repeating and isinstance(values, Sequence) and not isinstance(values, str):
                rows = [
                    {**_blank_row(sec), **{k: v for k, v in row.items() if k in sec_ids(sec)}}
                    for row in values[: sec.max_rows]
                    if isinstance(row, Mapping)
                ]
                form[key] = rows + [_blank_row(sec) for _ in range(sec.min_rows - len(rows))]
            elif not sec.repeating and isinstance(values, Mapping):
                form[key].update({k: v for k, v in values.items() if k in form[key]})
        return form


def sec_ids(sec: Section) -> set[str]:
    return {f.id for f in sec.fields}


def _blank_row(sec: Section) -> dict[str, Any]:
    return {f.id: ([] if f.kind == "multichoice" else "") for f in sec.fields}


def input_id(field_id: str, row: int | None = None) -> str:
    return field_id if row is None else f"{field_id}__{row}"


# ----- reading what the card sent -----------------------------------------------------------


def clean(text: str) -> str:
    """Text as typed, without control characters, direction overrides or zero-width
    characters (line breaks and tabs kept), line endings as ``\\n``, trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        ch for ch in text if ch in _KEEP or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )
    return text.strip()


NOT_TEXT = "That answer didn't come through as text: type it again."


def _plain(raw: Any) -> str | None:
    """The plain text of a card value, or None when it is no text at all."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return str(raw)
    if isinstance(raw, str):
        return clean(raw)
    return None


@dataclass
class Reading:
    values: Any  # dict for a section, list of dicts for a repeating one
    errors: dict[str, str] = field(default_factory=dict)  # input id -> message
    cut: bool = False  # something was longer than allowed and was cut


def read_section(sec: Section, data: Mapping[str, Any], rows: int = 0, first: int = 0) -> Reading:
    """What the card sent for ``sec``: cleaned, typed answers refused, over-long ones cut.
    A paged repeating section sends ``rows`` rows from row ``first`` (their input ids carry
    their row numbers in the whole list)."""
    reading = Reading(None)

    def one(fld: Field, row: int | None) -> Any:
        ident = input_id(fld.id, row)
        raw = data.get(ident)
        if fld.kind == "multichoice":
            if isinstance(raw, list):
                picked = [clean(p) for p in raw if isinstance(p, str)]
            else:
                text = _plain(raw)
                picked = [p.strip() for p in (text or "").split(",") if p.strip()]
            allowed = {v for v, _ in fld.choices}
            return [p for p in dict.fromkeys(picked) if p in allowed]
        text = _plain(raw)
        if text is None:
            reading.errors[ident] = NOT_TEXT
            return ""
        if len(text) > fld.max_length:
            reading.errors[ident] = (
                f"{fld.label} was longer than {fld.max_length:,} characters, so only the first "
                f"{fld.max_length:,} are kept: check how it ends."
            )
            reading.cut = True
            text = text[: fld.max_length]
        return text

    if sec.repeating:
        first = max(0, min(first, sec.max_rows))
        count = max(0, min(rows, sec.max_rows - first))
        reading.values = [
            {f.id: one(f, i) for f in sec.fields} for i in range(first, first + count)
        ]
    else:
        reading.values = {f.id: one(f, None) for f in sec.fields}
        if sec.withholdable:
            raw = data.get(WITHHELD)
            picked = raw if isinstance(raw, list) else str(_plain(raw) or "").split(",")
            allowed = {f.id for f in sec.withholdable}
            reading.values[WITHHELD] = [
                p for p in dict.fromkeys(str(x).strip() for x in picked) if p in allowed
            ]
    return reading


# ----- checking it ------------------------------------------------------------------------


def parse_date(value: Any) -> date | None:
    """A ``YYYY-MM-DD`` date, or None (``2019-W10-1``, ``20190301`` and the like are not)."""
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def check_field(fld: Field, value: Any, today: date) -> str | None:
    if fld.kind == "multichoice":
        if fld.required and not value:
            return f"{fld.label}: choose at least one."
        return None
    text = str(value) if isinstance(value, str) else ""
    if not text:
        return f"{fld.label} is required." if fld.required else None
    if len(text) > fld.max_length:
        return f"{fld.label} is too long: at most {fld.max_length:,} characters."
    if fld.kind == "date":
        parsed = parse_date(text)
        if parsed is None:
            return f"{fld.label}: enter a real date (for example 2026-03-14)."
        if parsed > today and not fld.future:
            return f"{fld.label} can't be in the future."
        if parsed.year < 1900:
            return f"{fld.label}: check the year."
    if fld.kind == "time" and not _TIME.match(text):
        return f"{fld.label}: enter a time like 14:30."
    if fld.kind == "email" and not _EMAIL.match(text):
        return "Enter an email address like name@example.org."
    if fld.kind == "phone" and (not _PHONE.match(text) or sum(c.isdigit() for c in text) < 7):
        return "Enter a phone number using digits, spaces and + only."
    if fld.kind == "choice" and text not in {v for v, _ in fld.choices}:
        return f"{fld.label}: choose one of the options."
    return None


def _check_values(
    sec: Section, values: Mapping[str, Any], today: date, row: int | None
) -> dict[str, str]:
    found: dict[str, str] = {}
    withheld = set(values.get(WITHHELD) or ())
    for fld in sec.fields:
        if fld.id in withheld:
            continue  # marked withheld: not asked for now
        message = check_field(fld, values.get(fld.id, ""), today)
        if message:
            found[fld.id] = message
    for check in sec.checks:
        for field_id, message in check(values, found).items():
            found.setdefault(field_id, message)
    return {input_id(k, row): v for k, v in found.items()}


def check_section(sec: Section, values: Any, today: date) -> dict[str, str]:
    """Messages by input id for everything wrong with ``values``; empty when all is well."""
    if sec.repeating:
        errors: dict[str, str] = {}
        for row, item in enumerate(values):
            errors.update(_check_values(sec, item, today, row))
        if len(values) < sec.min_rows:
            errors["_rows"] = f"Add at least {sec.min_rows} {sec.row_noun}."
        return errors
    return _check_values(sec, values, today, None)


def check_step(spec: FormSpec, form: Mapping[str, Any], key: str, today: date) -> dict[str, str]:
    """Messages by input id for one section of ``form``: its own checks, then the form's
    checks across sections, for what they find in it (only where its own checks passed)."""
    sec = spec.section(key)
    errors = check_section(sec, form.get(key, [] if sec.repeating else {}), today)
    for check in spec.checks:
        for ident, message in check(form).get(key, {}).items():
            errors.setdefault(ident, message)
    return errors


def check_form(spec: FormSpec, form: Mapping[str, Any], today: date) -> dict[str, dict[str, str]]:
    """Every section's errors (only sections with errors), before submitting."""
    problems: dict[str, dict[str, str]] = {}
    for sec in spec.sections:
        errors = check_step(spec, form, sec.key, today)
        if errors:
            problems[sec.key] = errors
    return problems


def drop_empty_rows(
    values: Sequence[Mapping[str, Any]], errors: Mapping[str, str] | None = None, keep: int = 0
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Rows with anything in them, and ``errors`` (keyed ``field__row``) renumbered to match.
    Fewer than ``keep`` would be left (a section's minimum): nothing is dropped, so that the
    empty rows' own messages say what they need."""
    if sum(1 for row in values if _filled(row)) < keep:
        return [dict(row) for row in values], dict(errors or {})
    kept: list[dict[str, Any]] = []
    renumbered: dict[str, str] = {}
    for old, row in enumerate(values):
        if not _filled(row):
            continue
        new = len(kept)
        kept.append(dict(row))
        for ident, message in (errors or {}).items():
            field_id, _, index = ident.rpartition("__")
            if index == str(old):
                renumbered[input_id(field_id, new)] = message
    return kept, renumbered


def withheld(values: Any, field_id: str) -> bool:
    """Whether ``field_id`` was marked withheld in a section's ``values``."""
    return isinstance(values, Mapping) and field_id in (values.get(WITHHELD) or ())


def _filled(row: Mapping[str, Any]) -> bool:
    return any(str(x).strip() for x in row.values() if x)
