"""Writes the default rapid review pack template (cards/templates/rapid_review_pack.docx)
with python-docx. The partnership owns its own copy (PACK_TEMPLATE); this one follows the
national Panel's rapid review template, section by section. Run: python -m scripts.pack_template
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.shared import Pt

from cards.pack_document import DEFAULT_TEMPLATE


def build(out: Path) -> None:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    doc.sections[0].header.paragraphs[0].text = "OFFICIAL-SENSITIVE: {{ reference }}"
    doc.sections[0].footer.paragraphs[0].text = (
        "Draft rapid review report prepared by the Case Review Bot on {{ generated_on }} "
        "from the records held for {{ reference }}. Check every section before sending."
    )
    doc.add_heading("Rapid review report to the Child Safeguarding Practice Review Panel", 0)
    doc.add_paragraph("{{ partnership }}")
    doc.add_paragraph("Case reference: {{ reference }}")

    doc.add_heading("1. Case outline", 1)
    doc.add_heading("The children", 2)
    doc.add_paragraph("{%p for child in children %}")
    doc.add_paragraph("Child {{ child.number }}: {{ child.name }}, {{ child.age }}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if not children %}")
    doc.add_paragraph("Not yet recorded")
    doc.add_paragraph("{%p endif %}")
    doc.add_heading("The incident", 2)
    doc.add_paragraph("Date of the incident: {{ outline.incident_date }}")
    doc.add_paragraph("Referred by: {{ outline.referring_agency }}")
    doc.add_paragraph("{{ outline.what_happened }}")
    doc.add_heading("Key dates", 2)
    doc.add_paragraph("Date of awareness (Day 1): {{ outline.awareness_date }}")
    doc.add_paragraph("Date the Panel was notified: {{ outline.notification_date }}")
    doc.add_paragraph("Date of the rapid review meeting: {{ outline.rapid_review_meeting }}")
    doc.add_paragraph("Stage now: {{ outline.stage }}")

    doc.add_heading("2. The statutory test and the Panel's criteria", 1)
    doc.add_paragraph("{{ statutory_test }}")
    doc.add_heading("Each safeguarding partner's view", 2)
    doc.add_paragraph("{%p for view in partner_views %}")
    doc.add_paragraph("{{ view.partner }} ({{ view.by }}, {{ view.given_on }}): {{ view.view }}")
    doc.add_paragraph(
        "Abuse or neglect known or suspected: {{ view.abuse_or_neglect }}. Died or seriously "
        "harmed: {{ view.died_or_harmed }}. In the area, or resident here and harmed outside "
        "England: {{ view.where }}."
    )
    doc.add_paragraph("Reason: {{ view.reason }}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if not partner_views %}")
    doc.add_paragraph("Not yet recorded")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("What the views say together: {{ test_assessment }}")
    doc.add_heading("The Panel's criteria the referral met", 2)
    doc.add_paragraph("{%p for item in panel_criteria %}")
    doc.add_paragraph("{{ item.criterion }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if not panel_criteria %}")
    doc.add_paragraph("None was ticked on the referral.")
    doc.add_paragraph("{%p endif %}")

    doc.add_heading("3. Multi-agency chronology", 1)
    doc.add_paragraph(
        "Every agency's chronology, merged by date and time; each entry names its agency."
    )
    doc.add_paragraph("{{p chronology_table }}")

    doc.add_heading("4. Each agency's analysis of practice and learning", 1)
    doc.add_paragraph("{%p for agency in agencies %}")
    doc.add_heading("{{ agency.agency }}", 2)
    doc.add_paragraph("Returned {{ agency.returned_on }} by {{ agency.completed_by }}.")
    doc.add_paragraph("{%p for item in agency.answers %}")
    doc.add_paragraph("{{ item.question }}").runs[0].bold = True
    doc.add_paragraph("{{ item.answer }}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if not agencies %}")
    doc.add_paragraph("Not yet recorded")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p for agency in no_involvement %}")
    doc.add_paragraph("{{ agency.agency }}: no involvement. {{ agency.reason }}")
    doc.add_paragraph("{%p endfor %}")

    doc.add_heading("5. Immediate actions taken for children's safety", 1)
    doc.add_paragraph("{%p for item in immediate_actions %}")
    doc.add_paragraph("{{ item.agency }}: {{ item.action }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if not immediate_actions %}")
    doc.add_paragraph("Not yet recorded")
    doc.add_paragraph("{%p endif %}")

    doc.add_heading("6. The criteria for a local review (section 5)", 1)
    doc.add_paragraph("{%p for item in section5 %}")
    doc.add_paragraph("{{ item.ticked }}: {{ item.criterion }} ({{ item.group }})")
    doc.add_paragraph("Note: {{ item.note }}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if not section5 %}")
    doc.add_paragraph("Not yet recorded")
    doc.add_paragraph("{%p endif %}")

    doc.add_heading("7. The decision on a local review", 1)
    doc.add_paragraph("Decision: {{ decision.outcome }}")
    doc.add_paragraph("Rationale: {{ decision.rationale }}")
    doc.add_paragraph("Decided by: {{ decision.decided_by }}, on {{ decision.decided_on }}")
    doc.add_paragraph("Proposed by: {{ decision.proposed_by }}")
    doc.add_paragraph("Partners consulted, and their views: {{ decision.consulted }}")
    doc.add_paragraph(
        "Immediate action needed for children's safety: {{ decision.immediate_action }}. "
        "{{ decision.immediate_note }}"
    )
    doc.add_paragraph("May the case need a national review: {{ decision.national }}")

    doc.add_heading("Annex A: the notification to the Panel", 1)
    doc.add_paragraph("Notified on: {{ notification.notified_on }}")
    doc.add_paragraph("{%p for line in notification.lines %}")
    doc.add_paragraph("{{ line }}")
    doc.add_paragraph("{%p endfor %}")

    doc.add_heading("Annex B: practitioners named in the returns", 1)
    doc.add_paragraph("The invitation list for a practice learning event.")
    doc.add_paragraph("{{p practitioners_table }}")
    doc.save(str(out))


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_TEMPLATE
    out.parent.mkdir(parents=True, exist_ok=True)
    build(out)
    print(f"Wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
