"""A case's audit trail and decision records, for the independent scrutineer.

``export_case`` gives two texts: a JSON record a scrutineer can verify with nothing but the
file (each entry's fields, its SHA-256 hash and its Ed25519 signature under the audit key,
whose public half and fingerprint the file carries), and the same as a readable Markdown page.
``check_export`` is that verification, as the scrutineer would do it: every entry's hash
recomputed from its fields, every signature checked against the public key, and the key's
fingerprint against the one the partnership publishes.

The decision records carry their rationales (decrypted with the case's key): the file is for
the scrutineer, is written where the operator says, and its export is itself audited.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import cases, people
from storage.audit import AuditVerifier, append_audit
from storage.case_keys import CasePurged
from storage.crypto import Cipher
from storage.decisions import list_decisions
from storage.models import AuditEvent

FORMAT = "case-review-bot/audit-export/1"
HOW = (
    "Each entry's hash is SHA-256 over the JSON array [seq, occurred_at, actor_aad_id, "
    "actor_role, action, case_ref, details, prev_hash], encoded with no spaces and ASCII only; "
    "its signature is Ed25519 (base64url) over that hash, under the public key given here. "
    "Compare the key's fingerprint with the one the BDSCP publishes before trusting it."
)


class ExportError(ValueError):
    """No such case."""


def _hash_of(entry: dict[str, Any]) -> str:
    canonical = json.dumps(
        [
            entry["seq"],
            entry["occurred_at"],
            entry["actor_aad_id"],
            entry["actor_role"],
            entry["action"],
            entry["case_ref"],
            entry["details"],
            entry["prev_hash"],
        ],
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Export:
    reference: str
    json_text: str
    markdown: str
    entries: int
    decisions: int


async def export_case(
    *,
    session: AsyncSession,
    master: Cipher,
    verifier: AuditVerifier,
    reference: str,
    by: str,
    now: datetime,
) -> Export:
    """The case's export (in the caller's transaction, which also audits it)."""
    case = await cases.get_case(session=session, reference=reference)
    if case is None:
        raise ExportError(f"There is no case {reference}.")
    rows = list(
        await session.scalars(
            select(AuditEvent).where(AuditEvent.case_ref == reference).order_by(AuditEvent.seq)
        )
    )
    names: dict[str, str] = {}

    async def name_of(aad: str) -> str:
        if aad not in names:
            person = await people.get_person(session=session, aad_object_id=aad) if aad else None
            names[aad] = person.name if person is not None and person.name else ""
        return names[aad]

    entries = [
        {
            "seq": row.seq,
            "occurred_at": row.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_aad_id": row.actor_aad_id,
            "actor_name": await name_of(row.actor_aad_id),
            "actor_role": row.actor_role,
            "action": row.action,
            "case_ref": row.case_ref,
            "details": row.details,
            "prev_hash": row.prev_hash,
            "hash": row.hash,
            "signature": row.signature,
        }
        for row in rows
    ]
    try:
        decisions = [
            {
                "kind": d.kind,
                "outcome": d.outcome,
                "rationale": d.rationale,
                "decided_by": await name_of(d.decided_by) or d.decided_by,
                "decided_role": d.decided_role,
                "decided_at": d.decided_at.astimezone(UTC).isoformat(timespec="seconds"),
                "consulted": [await name_of(c) or c for c in d.consulted],
                "recorded_by": (await name_of(d.recorded_by) or d.recorded_by)
                if d.recorded_by
                else None,
                "replaces_an_earlier_one": d.supersedes_id is not None,
            }
            for d in await list_decisions(session=session, master=master, case=case)
        ]
        purged = False
    except CasePurged:
        decisions, purged = [], True
    record = {
        "format": FORMAT,
        "case": reference,
        "exported_at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "personal_data_purged": purged,
        "audit_key": {
            "algorithm": "Ed25519",
            "public_key": verifier.public_text,
            "fingerprint": verifier.fingerprint,
        },
        "how_to_verify": HOW,
        "entries": entries,
        "decisions": decisions,
    }
    await append_audit(
        session=session,
        now=now,
        actor_aad_id=by,
        actor_role="operator",
        action="audit.exported",
        case_ref=reference,
        details={"entries": len(entries), "decisions": len(decisions)},
    )
    return Export(
        reference,
        json.dumps(record, indent=2, ensure_ascii=False) + "\n",
        _markdown(record),
        len(entries),
        len(decisions),
    )


def _markdown(record: dict[str, Any]) -> str:
    key = record["audit_key"]
    lines = [
        f"# Audit trail and decisions: {record['case']}",
        "",
        f"Exported {record['exported_at']} (UTC). Audit key fingerprint: `{key['fingerprint']}`.",
        "The JSON file beside this page carries every entry's hash and signature: "
        "`python -m bot audit check FILE` verifies it, with nothing but the file.",
        "",
        "## Decisions",
        "",
    ]
    if record["personal_data_purged"]:
        lines.append("The case's personal data was purged: the rationales can no longer be read.")
    for d in record["decisions"]:
        lines += [
            f"### {d['kind']}: {d['outcome']}",
            "",
            f"- Decided by {d['decided_by']} ({d['decided_role']}), {d['decided_at']} UTC"
            + (f"; recorded by {d['recorded_by']}" if d["recorded_by"] else ""),
            f"- Consulted: {', '.join(d['consulted']) or 'none recorded'}",
            "",
            d["rationale"] or "(no rationale)",
            "",
        ]
    lines += [
        "## Audit trail",
        "",
        "| # | When (UTC) | Who | Roles | What | Details |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for e in record["entries"]:
        who = e["actor_name"] or e["actor_aad_id"]
        cells = [str(e["seq"]), e["occurred_at"][:19], who, e["actor_role"], e["action"]]
        cells.append(e["details"])
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    checked: int
    problem: str = ""


def check_export(text: str, fingerprint: str = "") -> CheckResult:
    """Verify an export with nothing but its own contents (and the published fingerprint)."""
    try:
        record = json.loads(text)
        key = record["audit_key"]
        verifier = AuditVerifier.from_text(key["public_key"])
        entries = record["entries"]
    except (ValueError, KeyError, TypeError) as error:
        return CheckResult(False, 0, f"not an audit export: {error}")
    if fingerprint and verifier.fingerprint.replace(" ", "") != fingerprint.replace(" ", ""):
        return CheckResult(False, 0, "the file's key is not the published audit key")
    for checked, entry in enumerate(entries):
        if _hash_of(entry) != entry.get("hash"):
            return CheckResult(False, checked, f"entry {entry.get('seq')}: content changed")
        if not verifier.valid(entry["hash"], entry.get("signature")):
            return CheckResult(False, checked, f"entry {entry.get('seq')}: signature fails")
    return CheckResult(True, len(entries))
