"""The rapid review pack as a Word document: a template the partnership owns (docxtpl: Jinja2
tags in a .docx, autoescaped, so "A&E" is text and never breaks the XML) filled with the
pack's content, and python-docx for the tables the content generates (the chronology, the
practitioners). Everything happens in memory: bytes in, bytes out, nothing written to disk.

``check`` reads a template before anyone relies on it: a tag the pack does not have, or broken
Jinja syntax, is named with its place in the document (``python -m bot pack-template check``,
and ``pack`` itself before it offers a link).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from docx.document import Document
from docx.shared import Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate

DEFAULT_TEMPLATE = Path(__file__).parent / "templates" / "rapid_review_pack.docx"
NOT_YET = "Not yet recorded"

# What the pack holds, as a template names it: each top-level name, and for a list or a
# record the names of its fields. A template may use these and nothing else.
ROW = "row"
FIELDS: dict[str, tuple[str, ...] | None] = {
    "reference": None,
    "generated_on": None,
    "partnership": None,
    "outline": (
        "referring_agency",
        "stage",
        "incident_date",
        "what_happened",
        "awareness_date",
        "notification_date",
        "rapid_review_meeting",
    ),
    "children": ("number", "name", "age", "date_of_birth"),
    "statutory_test": None,
    "partner_views": (
        "partner",
        "by",
        "given_on",
        "view",
        "abuse_or_neglect",
        "died_or_harmed",
        "where",
        "reason",
    ),
    "test_assessment": None,
    "panel_criteria": ("criterion",),
    "chronology": ("date", "time", "agency", "event"),
    "chronology_table": None,
    "agencies": ("agency", "returned_on", "completed_by", "answers", "question", "answer"),
    "no_involvement": ("agency", "reason"),
    "immediate_actions": ("agency", "action"),
    "section5": ("group", "criterion", "ticked", "note"),
    "decision": (
        "outcome",
        "rationale",
        "decided_by",
        "decided_on",
        "proposed_by",
        "consulted",
        "immediate_action",
        "immediate_note",
        "national",
    ),
    "notification": ("notified_on", "text", "lines"),
    "practitioners": ("name", "role", "agency"),
    "practitioners_table": None,
}
TABLES = {
    "chronology_table": ("chronology", ("Date", "Time", "Agency", "Event")),
    "practitioners_table": ("practitioners", ("Name", "Role", "Agency")),
}
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_PREFIX = re.compile(r"^(\{\{|\{%)(p|tr|tc|r)?\s")
_OPENERS = {"for": "endfor", "if": "endif"}


class TemplateProblem(ValueError):
    """A template the pack cannot be built with: every problem found, each with its place."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.text for p in problems))


@dataclass(frozen=True)
class Problem:
    place: str  # "paragraph 12", "table 2, row 1, column 3", "the header"
    tag: str
    what: str

    @property
    def text(self) -> str:
        return f"{self.place}: {self.tag} - {self.what}"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def _places(doc: Document) -> Iterator[tuple[str, Paragraph]]:
    """Every paragraph a tag can be in, with a place a person can find."""
    number = tables = 0
    body = doc.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            number += 1
            yield f"paragraph {number}", Paragraph(child, doc)
        elif tag == "tbl":
            tables += 1
            table = Table(child, doc)
            for r, row in enumerate(table.rows, 1):
                for c, cell in enumerate(row.cells, 1):
                    for paragraph in cell.paragraphs:
                        yield f"table {tables}, row {r}, column {c}", paragraph
    for section in doc.sections:
        for where, part in (("the header", section.header), ("the footer", section.footer)):
            for paragraph in part.paragraphs:
                yield where, paragraph


def _inner(tag: str) -> tuple[str, str]:
    """(kind, source) of one tag: kind "expr", "block" or "comment"; the docxtpl prefix
    (``{%p``, ``{{r`` ...) removed so Jinja reads it as docxtpl will."""
    if tag.startswith("{#"):
        return "comment", tag
    plain = _PREFIX.sub(lambda m: m.group(1) + " ", tag)
    return ("expr" if plain.startswith("{{") else "block"), plain


def _check_names(
    env: jinja2.Environment, source: str, known: set[str], place: str, tag: str
) -> list[Problem]:
    try:
        parsed = env.parse(source)
    except jinja2.TemplateSyntaxError as error:
        return [Problem(place, tag, f"not valid Jinja: {error.message}")]
    unknown = sorted(jinja2.meta.find_undeclared_variables(parsed) - known)
    problems = [Problem(place, tag, f'"{name}" is not something the pack has') for name in unknown]
    attributes = {fld for fields in FIELDS.values() if fields for fld in fields}
    for node in parsed.find_all(jinja2.nodes.Getattr):
        if node.attr not in attributes:
            problems.append(Problem(place, tag, f'".{node.attr}" is not something the pack has'))
    return problems


def check(template: bytes) -> list[Problem]:
    """Every problem in ``template``: a tag the pack does not have, broken syntax, a block
    left open or closed twice. Empty when it is good to use."""
    try:
        tpl = DocxTemplate(io.BytesIO(template))
        tpl.init_docx()
    except Exception as error:  # not a Word document at all
        return [Problem("the file", "", f"not a Word document (.docx) ({type(error).__name__})")]
    env = _environment()
    known = set(FIELDS) | {"loop"}
    problems: list[Problem] = []
    stack: list[tuple[str, str, str]] = []  # (closing word, place, tag)
    for place, paragraph in _places(tpl.docx):
        text = paragraph.text
        for tag in _TAG.findall(text):
            kind, source = _inner(tag)
            if kind == "comment":
                continue
            if kind == "expr":
                problems += _check_names(env, source, known, place, tag)
                continue
            words = source[2:-2].split()
            word = words[0] if words else ""
            if word in _OPENERS:
                stack.append((_OPENERS[word], place, tag))
                if word == "for" and len(words) >= 4 and words[2] == "in":
                    known |= {n.strip() for n in words[1].split(",")}
                    body = "{% for " + " ".join(words[1:]) + " %}{% endfor %}"
                else:
                    body = source + "{% end" + word + " %}"
                problems += _check_names(env, body, known, place, tag)
            elif word in ("endfor", "endif"):
                if not stack or stack[-1][0] != word:
                    problems.append(Problem(place, tag, f"{word} with no block open to close"))
                else:
                    stack.pop()
            elif word in ("else", "elif"):
                if not stack or (stack[-1][0] != "endif" and word == "elif"):
                    problems.append(Problem(place, tag, f"{word} outside an if block"))
            elif word not in ("set",):
                problems.append(Problem(place, tag, f'"{word}" is not a tag the pack uses'))
        rest = _TAG.sub("", text)
        for opener in ("{{", "{%"):
            if opener in rest:
                problems.append(
                    Problem(place, rest[rest.index(opener) :][:40], "a tag that is not closed")
                )
    for closing, place, tag in stack:
        problems.append(Problem(place, tag, f"never closed: no {{% {closing} %}} follows it"))
    if not problems:
        try:
            render(template, sample())
        except TemplateProblem as problem:
            problems += problem.problems
    return problems


def asks_for(template: bytes, name: str) -> bool:
    """Whether a tag of ``template`` names ``name`` (the children's dates of birth are in the
    pack only when its template asks for them)."""
    try:
        tpl = DocxTemplate(io.BytesIO(template))
        tpl.init_docx()
    except Exception:
        return False
    return any(
        re.search(rf"\b{re.escape(name)}\b", tag)
        for _place, paragraph in _places(tpl.docx)
        for tag in _TAG.findall(paragraph.text)
    )


def sample() -> dict[str, Any]:
    """Content with every field, for checking a template: one row in every list."""
    content: dict[str, Any] = {}
    for name, fields in FIELDS.items():
        if name in TABLES:
            continue
        if fields is None:
            content[name] = NOT_YET
        elif name in ("outline", "decision", "notification"):
            content[name] = dict.fromkeys(fields, NOT_YET)
        else:
            content[name] = [dict.fromkeys(fields, NOT_YET)]
    content["agencies"][0]["answers"] = [{"question": NOT_YET, "answer": NOT_YET}]
    content["notification"]["lines"] = [NOT_YET]
    return content


def _table(tpl: DocxTemplate, heads: tuple[str, ...], rows: list[Mapping[str, Any]]) -> Any:
    sub = tpl.new_subdoc()
    if not rows:
        sub.add_paragraph(NOT_YET)
        return sub
    keys = [h.lower() for h in heads]
    table = sub.add_table(rows=1, cols=len(heads))
    table.style = "Table Grid"
    for cell, head in zip(table.rows[0].cells, heads, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(head)
        run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, key in zip(cells, keys, strict=True):
            cell.text = str(row.get(key, "") or "")
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    return sub


def render(template: bytes, content: Mapping[str, Any]) -> bytes:
    """The document, as bytes; ``TemplateProblem`` when the template cannot be filled (and
    then no document at all)."""
    tpl = DocxTemplate(io.BytesIO(template))
    filled = dict(content)
    for name, (source, heads) in TABLES.items():
        filled[name] = _table(tpl, heads, list(content.get(source) or []))
    try:
        tpl.render(filled, _environment(), autoescape=True)
    except jinja2.TemplateSyntaxError as error:
        problem = Problem("the template", "", f"not valid Jinja: {error.message}")
        raise TemplateProblem([problem]) from None
    except jinja2.UndefinedError as error:
        raise TemplateProblem([Problem("the template", "", f"{error.message}")]) from None
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()
