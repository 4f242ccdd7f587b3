"""The operator's data tasks from the command line: verify and export the audit trail, check an
export, purge closed cases, rotate the master key (see docs/security.md). Each opens the
database itself and writes what it did to the audit log as the operator at the terminal."""

from __future__ import annotations

import getpass
from datetime import UTC, date, datetime
from pathlib import Path

from bot.keys import audit_signer, master_cipher
from bot.settings import Settings, SettingsError
from storage import db
from storage.audit import verify_audit
from storage.audit_export import ExportError, check_export, export_case
from storage.retention import purge
from storage.rotation import rotate


def operator() -> str:
    """Who ran the command, as the audit log records it (no Entra identity at a terminal)."""
    try:
        return f"operator:{getpass.getuser()}"[:64]
    except Exception:  # no user name in this environment
        return "operator"


def _now() -> datetime:
    return datetime.now(UTC)


async def verify(settings: Settings) -> int:
    engine = db.create_engine(settings.database_url)
    try:
        async with db.create_sessionmaker(engine)() as session:
            result = await verify_audit(session=session, verifier=audit_signer(settings))
    finally:
        await engine.dispose()
    if result.ok:
        print(f"Audit log intact: {result.checked} entries checked, each signed.")
        return 0
    print(
        f"Audit log BROKEN at entry {result.broken_seq}: {result.reason}. "
        f"{result.checked} entries before it check out."
    )
    return 1


async def export(settings: Settings, reference: str, out: Path) -> int:
    engine = db.create_engine(settings.database_url)
    signer = audit_signer(settings)
    try:
        await db.upgrade(engine)
        async with db.transaction(db.create_sessionmaker(engine, signer)) as session:
            made = await export_case(
                session=session,
                master=master_cipher(settings),
                verifier=signer,
                reference=reference.upper(),
                by=operator(),
                now=_now(),
            )
    except ExportError as error:
        print(str(error))
        return 1
    finally:
        await engine.dispose()
    as_text, as_json = _write(out, made.reference, made.markdown, made.json_text)
    print(
        f"Wrote {as_text} and {as_json}: {made.entries} audit entries, {made.decisions} "
        f"decisions. Audit key fingerprint: {signer.fingerprint}."
    )
    return 0


def _write(out: Path, reference: str, markdown: str, json_text: str) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    as_json, as_text = out / f"{reference}-audit.json", out / f"{reference}-audit.md"
    as_json.write_text(json_text)
    as_text.write_text(markdown)
    return as_text, as_json


def check(path: Path, fingerprint: str) -> int:
    result = check_export(path.read_text(), fingerprint)
    if result.ok:
        print(f"{path}: {result.checked} entries, each unchanged and signed by the audit key.")
        return 0
    print(f"{path}: NOT VERIFIED: {result.problem}.")
    return 1


def audit_key(settings: Settings) -> int:
    signer = audit_signer(settings)
    print(f"Audit public key: {signer.public_text}\nFingerprint: {signer.fingerprint}")
    return 0


async def purge_closed(settings: Settings, before: date, *, dry_run: bool) -> int:
    engine = db.create_engine(settings.database_url)
    try:
        await db.upgrade(engine)
        due, done = await purge(
            db.create_sessionmaker(engine, audit_signer(settings)),
            before=before,
            by=operator(),
            now=_now(),
            dry_run=dry_run,
        )
    finally:
        await engine.dispose()
    for closed in due:
        print(
            f"{closed.reference}: closed {closed.closed_on.isoformat()}; its personal data "
            f"(referral, {closed.decisions} decisions' rationales, returns, actions' words, "
            f"{closed.drafts} drafts, {closed.queued} queued cards) "
            + ("would be made unreadable." if dry_run else "made unreadable.")
        )
    if dry_run:
        print(f"Dry run: {len(due)} cases closed before {before.isoformat()}; nothing changed.")
    else:
        print(
            f"Purged {done} cases closed before {before.isoformat()}: their keys destroyed; "
            "timelines, decisions and the audit trail kept."
        )
    return 0


async def rotate_key(settings: Settings) -> int:
    ring = master_cipher(settings)
    if not ring.rotating:
        raise SettingsError(
            "Nothing to rotate to: set DATA_KEY to the new key, a comma, then the old one "
            "(`key new` prints a new key), on every instance, then run `key rotate`."
        )
    engine = db.create_engine(settings.database_url)
    try:
        await db.upgrade(engine)
        done = await rotate(
            db.create_sessionmaker(engine, audit_signer(settings)), ring, by=operator(), now=_now()
        )
    finally:
        await engine.dispose()
    print(
        f"Rotated to key {ring.current_id}: {done.case_keys} case keys re-wrapped, "
        f"{done.drafts} drafts and {done.queued} queued cards re-sealed; {done.already} were "
        "under the new key already. When a run re-wraps nothing, drop the old key from "
        "DATA_KEY."
    )
    return 0
