"""The benchmark's databases: cases made by ``python -m bot demo-data`` (the generator: the
storage layer, the case keys, the audit chain), then, for the larger scales, copies of those
cases' rows made in SQL under new references, until the database holds as many as asked.

A copy keeps its original's rows (stage, milestones, decisions, requests, returns, actions) and
its personal data, sealed again for the copy (each encrypted value is bound to its case's
reference and ids, so the original's would not open as the copy's): a copy reads as a case
like any other. Copies have no audit entries of their own.

SQLite files are kept in ``.bench/`` (made once per scale and generator version); PostgreSQL
databases are made afresh on a throwaway server for each run.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench"
BASE = 1_000  # cases made by the generator; more are copies
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)  # the data's "today": a Tuesday
# The tables that hang off a case, parents first (ids are copied with an offset per table).
CASE_TABLES = (
    "cases",
    "milestones",
    "milestone_adjustments",
    "referral_versions",
    "decisions",
    "notifications",
    "case_requests",
    "igt_returns",
    "case_actions",
    "case_corrections",
    "review_records",
)


@dataclass(frozen=True)
class Prepared:
    url: str
    var_dir: Path  # the data key the cases are encrypted with
    cases: int
    open_cases: int


def _version(*, copies: bool = True) -> str:
    """The generator's (and the copier's) source: a change makes the cached files anew."""
    digest = hashlib.sha256()
    names = ["bot/demo.py", "bot/demo_forms.py"]  # a newer schema: migrated when opened
    for name in names + (["bench/data.py"] if copies else []):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()[:10]


async def prepare_sqlite(cases: int, *, open_only: bool = False) -> Prepared:
    """A SQLite file with ``cases`` cases (``open_only``: that many open ones)."""
    kind = "open" if open_only else "all"
    folder = CACHE / f"sqlite-{kind}-{cases}-{_version()}"
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    if not (folder / "done").exists():
        base = await _base_sqlite()
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(base, folder)
        (folder / "done").unlink()
        await copies(url, folder / "var", cases, open_only)
        (folder / "done").write_text("")
    return await _counted(url, folder / "var")


async def _base_sqlite() -> Path:
    """The generated cases, once (every variant starts from a copy of this file)."""
    folder = CACHE / f"sqlite-base-{BASE}-{_version(copies=False)}"
    if not (folder / "done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        await _fill(f"sqlite+aiosqlite:///{folder / 'bench.db'}", folder / "var", BASE, False)
        (folder / "done").write_text("")
    return folder


async def copies(url: str, var_dir: Path, cases: int, open_only: bool) -> None:
    from bot.keys import master_cipher
    from storage import db

    MASTER[:] = [master_cipher(_settings(url, var_dir))]  # type: ignore[arg-type]
    engine = db.create_engine(url)
    try:
        await _copy_until(engine, cases, open_only)
    finally:
        await engine.dispose()


async def prepare_postgres(
    url: str, var_dir: Path, cases: int, open_only: bool = False
) -> Prepared:
    """The PostgreSQL database at ``url`` (new and empty) filled the same way."""
    await _fill(url, var_dir, cases, open_only)
    return await _counted(url, var_dir)


def _settings(url: str, var_dir: Path) -> object:
    from bot.settings import Settings

    return Settings(mode="local", database_url=url, allowed_tenant_id="bench", var_dir=str(var_dir))


async def _fill(url: str, var_dir: Path, cases: int, open_only: bool) -> None:
    from bot.config import load_timetable
    from bot.demo import generate
    from bot.keys import audit_signer, master_cipher
    from storage import db

    settings = _settings(url, var_dir)
    engine = db.create_engine(url)
    try:
        await db.upgrade(engine)
        sessions = db.create_sessionmaker(engine, audit_signer(settings))  # type: ignore[arg-type]
        await generate(
            sessions,
            master_cipher(settings),  # type: ignore[arg-type]
            load_timetable(ROOT / "config" / "timetable.toml"),
            min(cases, BASE),
            now=NOW,
        )
        MASTER[:] = [master_cipher(settings)]
        await _copy_until(engine, cases, open_only)
    finally:
        await engine.dispose()


async def _copy_until(engine: AsyncEngine, wanted: int, open_only: bool) -> None:
    """Copy the generated cases (the open ones, with ``open_only``) until there are ``wanted``."""
    from storage.models import Base

    tables = {name: Base.metadata.tables[name] for name in CASE_TABLES}
    async with engine.begin() as conn:
        cases = tables["cases"]
        chosen = select(cases.c.id)
        if open_only:
            chosen = chosen.where(cases.c.stage != "closed")
        base_ids = [row[0] for row in await conn.execute(chosen)]
        have = (
            len(base_ids)
            if open_only
            else await conn.scalar(select(func.count()).select_from(cases))
        )
        assert have is not None
        if not base_ids or have >= wanted:
            return
        for name in ("milestone_adjustments", "case_corrections", "review_records"):
            assert not await conn.scalar(select(func.count()).select_from(tables[name])), name
        offsets = {
            name: int(await conn.scalar(select(func.coalesce(func.max(t.c.id), 0))) or 0) + 1
            for name, t in tables.items()
        }
        seq_step = int(await conn.scalar(select(func.max(cases.c.seq))) or 0)
        base = _Base(tables, offsets, seq_step)
        await base.read(conn, base_ids)
        made, copy = have, 0
        while made < wanted:
            copy += 1
            batch = base_ids[: wanted - made]
            for name, table in tables.items():
                if name in SEALED:
                    await conn.execute(insert(table), base.copied(name, copy, set(batch)))
                else:
                    await conn.execute(_copy(table, name, copy, offsets, batch))
            made += len(batch)
        await conn.execute(
            text(
                "UPDATE reference_counters SET last_value = "
                "(SELECT max(seq) FROM cases WHERE cases.year = reference_counters.year)"
            )
        )
        if conn.dialect.name == "postgresql":
            for name in tables:
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT max(id) FROM {name}))"
                    )
                )


MASTER: list[Any] = []  # the data key the generated cases were sealed with (set by _fill)
# The tables with sealed values, and how each value's context is made (storage's own formats).
SEALED = {
    "cases": {"wrapped_key": "case-key:{ref}"},
    "referral_versions": {"payload": "referral:{ref}:{version}"},
    "decisions": {"rationale": "decision:{ref}", "views": "decision-views:{ref}"},
    "igt_returns": {"payload": "igt:{ref}:{request_id}:{version}"},
    "case_actions": {"payload": "action:{case_id}:{number}"},
}


class _Base:
    """The generated cases' rows of the sealed tables, their values opened, to be copied."""

    def __init__(self, tables: dict[str, Any], offsets: dict[str, int], seq_step: int) -> None:
        self.tables, self.offsets, self.seq_step = tables, offsets, seq_step
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.case_keys: dict[int, str] = {}  # case id -> its key, opened
        self._ref: dict[int, str] = {}  # a copy's case id -> its reference (cases go first)

    async def read(self, conn: Any, base_ids: list[int]) -> None:
        from types import SimpleNamespace

        from storage.case_keys import case_cipher

        master = MASTER[0]
        refs: dict[int, str] = {}
        ciphers: dict[int, Any] = {}
        for name in SEALED:
            table = self.tables[name]
            key = table.c.id if name == "cases" else table.c.case_id
            rows = [
                dict(r._mapping) for r in await conn.execute(select(table).where(key.in_(base_ids)))
            ]
            for row in rows:
                if name == "cases":
                    refs[row["id"]] = row["reference"]
                    ciphers[row["id"]] = case_cipher(master, SimpleNamespace(**row))
                    self.case_keys[row["id"]] = master.decrypt(
                        row["wrapped_key"], context=f"case-key:{row['reference']}"
                    )
                    continue
                for column, pattern in SEALED[name].items():
                    if row[column]:
                        context = pattern.format(ref=refs[row["case_id"]], **row)
                        row[column] = ciphers[row["case_id"]].decrypt(row[column], context=context)
            self.rows[name] = rows

    def copied(self, name: str, copy: int, batch: set[int]) -> list[dict[str, Any]]:
        """The rows of copy number ``copy`` of the cases in ``batch``, sealed for the copy."""
        from storage.case_keys import key_context
        from storage.cases import format_reference
        from storage.crypto import Cipher

        master = MASTER[0]
        table = self.tables[name]
        shift = {
            column.name: self.offsets[next(iter(column.foreign_keys)).column.table.name]
            for column in table.columns
            if column.foreign_keys
        }
        shift["id"] = self.offsets[name]
        found = []
        for row in self.rows[name]:
            case_id = row["id"] if name == "cases" else row["case_id"]
            if case_id not in batch:
                continue
            new = dict(row)
            for column, step in shift.items():
                if new[column] is not None:
                    new[column] += copy * step
            new_case = case_id + copy * self.offsets["cases"]
            if name == "cases":
                new["seq"] = row["seq"] + copy * self.seq_step
                new["reference"] = format_reference(row["year"], new["seq"])
                new["idempotency_key"] = None
                new["wrapped_key"] = master.encrypt(
                    self.case_keys[case_id], context=key_context(new["reference"])
                )
                self._ref[new_case] = new["reference"]
            else:
                cipher = Cipher.from_text(self.case_keys[case_id])
                for column, pattern in SEALED[name].items():
                    if new[column]:
                        context = pattern.format(ref=self._ref[new_case], **new)
                        new[column] = cipher.encrypt(new[column], context=context)
            found.append(new)
        return found


def _copy(table, name, copy, offsets, batch):  # type: ignore[no-untyped-def]
    """``INSERT INTO table SELECT`` the batch's rows, shifted to copy number ``copy``."""
    shifted = []
    for column in table.columns:
        value = column
        if column.name == "id":
            value = column + copy * offsets[name]
        elif column.foreign_keys:
            target = next(iter(column.foreign_keys)).column.table.name
            value = column + copy * offsets[target]
        shifted.append(value.label(column.name))
    query = select(*shifted)
    if name == "milestone_adjustments":
        milestones = table.metadata.tables["milestones"]
        query = query.where(
            table.c.milestone_id.in_(select(milestones.c.id).where(milestones.c.case_id.in_(batch)))
        )
    else:
        query = query.where(table.c.case_id.in_(batch))
    return insert(table).from_select([c.name for c in table.columns], query)


async def _counted(url: str, var_dir: Path) -> Prepared:
    from storage import db

    engine = db.create_engine(url)
    try:
        async with engine.connect() as conn:
            total = await conn.scalar(text("SELECT count(*) FROM cases"))
            opened = await conn.scalar(text("SELECT count(*) FROM cases WHERE stage != 'closed'"))
    finally:
        await engine.dispose()
    return Prepared(url, var_dir, int(total or 0), int(opened or 0))
