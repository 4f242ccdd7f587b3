"""Adding information to a submitted referral: a short form, filled in per case by the
referrer or the business unit. The referral's earlier versions are kept; the new version
carries what was added, who added it and when."""

from __future__ import annotations

from workflow.forms import Field, FormSpec, Section

ADD_INFO = FormSpec(
    kind="addinfo",
    title="More information",
    noun="update",
    command="add info",
    sections=(
        Section(
            "update",
            "What you've learned",
            "Add what you've learned since the referral: new facts, a correction, a change in "
            "the child's situation. It is added to the referral as a new version; nothing "
            "already given is changed.",
            (
                Field(
                    "what",
                    "What's new",
                    "multiline",
                    max_length=4000,
                    required=True,
                    reader_label="What was added",
                ),
                Field(
                    "source",
                    "Where it came from (optional)",
                    max_length=200,
                    personal=False,
                    placeholder="e.g. a strategy meeting on 2 December",
                    reader_label="Where it came from",
                ),
            ),
            name="what's new",
        ),
    ),
    submit_label="Add to the referral",
    per_case=True,
    submit_note=(
        "When you add it, the BDSCP Business Unit, the Case Review Sub-group chair and the "
        "Children's Social Care Deputy Director receive it privately, marked as new. The case "
        "review channel sees nothing of it."
    ),
)
