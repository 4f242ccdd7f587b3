"""``python -m bot``: run the bot, migrate the database, and the business unit's tools.

run                               start the web server
db upgrade                        apply migrations
deadlines --from YYYY-MM-DD       every milestone's Day number and due date [--json]
audit verify                      check the audit log's hash chain
key new                           print a new DATA_KEY
demo-data --cases N               a new database filled with invented cases, to try the bot
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from aiohttp import web

from bot import logs, maintenance
from bot.config import load_rules, load_timetable
from bot.keys import audit_signer
from bot.settings import Settings, SettingsError
from cards.common import day
from flows.reminders import NAMES, Ticked, tick
from storage import db
from storage.crypto import new_key
from storage.milestones import fill_new_milestones
from workflow.timetable import TimetableError, plan

log = logging.getLogger(__name__)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (write YYYY-MM-DD)") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Case Review Bot")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the bot's web server")
    db_parser = sub.add_parser("db", help="database tasks")
    db_sub = db_parser.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations")
    deadlines = sub.add_parser("deadlines", help="the timetable for an awareness date")
    deadlines.add_argument(
        "--from",
        dest="awareness",
        type=_date,
        required=True,
        help="the day the BDSCP became aware (YYYY-MM-DD)",
    )
    deadlines.add_argument("--json", action="store_true", help="machine-readable output")
    tick = sub.add_parser("tick", help="run the reminder jobs once (nudges, chasers, digest)")
    tick.add_argument(
        "--now",
        type=datetime.fromisoformat,
        default=None,
        help="the moment to run them for (ISO, with a zone: 2026-12-01T09:00+00:00)",
    )
    tick.add_argument(
        "--send",
        action="store_true",
        help="also deliver what the outbox holds now (when no bot is running to send it)",
    )
    tick.add_argument(
        "--only",
        choices=NAMES,
        default=None,
        help="run one reminder source only (no catch-up; the next full tick plans the day)",
    )
    audit = sub.add_parser("audit", help="audit log tasks")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="check the signed chain; name the first broken entry")
    export = audit_sub.add_parser(
        "export", help="a case's audit trail and decisions, for the independent scrutineer"
    )
    export.add_argument("reference", help="the case, e.g. BR-2026-0007")
    export.add_argument("--out", type=Path, default=Path("."), help="the folder to write to")
    checking = audit_sub.add_parser("check", help="verify an export with only its contents")
    checking.add_argument("file", type=Path)
    checking.add_argument("--fingerprint", default="", help="the published audit key's")
    audit_sub.add_parser("key", help="print the audit key's public half and fingerprint")
    purge = sub.add_parser("purge", help="remove closed cases' personal data (retention)")
    purge.add_argument(
        "--closed-before", dest="before", type=_date, required=True, help="YYYY-MM-DD"
    )
    purge.add_argument("--dry-run", action="store_true", help="show what it would do")
    demo = sub.add_parser("demo-data", help="fill a new database with invented cases")
    demo.add_argument("--cases", type=int, required=True, help="how many cases to invent")
    demo.add_argument("--seed", type=int, default=2026, help="the same seed, the same cases")
    pack = sub.add_parser("pack-template", help="the rapid review pack's Word template")
    pack_sub = pack.add_subparsers(dest="pack_command", required=True)
    checking_pack = pack_sub.add_parser(
        "check", help="name every tag the pack does not have, and any broken Jinja, by place"
    )
    checking_pack.add_argument("file", help="the .docx template")
    key = sub.add_parser("key", help="data key tasks")
    key_sub = key.add_subparsers(dest="key_command", required=True)
    key_sub.add_parser("new", help="print a new random key (for DATA_KEY or AUDIT_KEY)")
    key_sub.add_parser("rotate", help="re-wrap every case key under DATA_KEY's first key")
    return parser


def _check_template(path: str) -> int:
    from cards.pack_document import check

    try:
        template = Path(path).read_bytes()
    except OSError as error:
        print(f"Cannot read {path}: {error.strerror}", file=sys.stderr)
        return 2
    problems = check(template)
    if not problems:
        print(f"{path}: good to use. Every tag is one the pack has.")
        return 0
    print(
        f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}; no pack can be "
        "made with it until each is fixed:"
    )
    for problem in problems:
        print(f"  {problem.text}")
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "pack-template":
        return _check_template(args.file)
    offline = args.command in ("deadlines", "audit", "key", "db", "purge", "demo-data") or (
        args.command == "tick" and not args.send
    )
    try:
        settings = Settings.from_env(require_credentials=not offline)
    except SettingsError as error:
        print(f"Cannot start: {error}", file=sys.stderr)
        return 2
    logs.configure(
        settings.log_level if args.command == "run" else "WARNING",
        libraries=settings.log_libraries,
    )

    try:
        if args.command == "run":
            return _run(settings)
        if args.command == "db":
            filled = asyncio.run(_upgrade(settings))
            print(
                "Database is up to date."
                + (f" Due dates set for {filled} open cases' new milestones." if filled else "")
            )
            return 0
        if args.command == "deadlines":
            return _deadlines(settings, args.awareness, as_json=args.json)
        if args.command == "audit":
            if args.audit_command == "export":
                return asyncio.run(maintenance.export(settings, args.reference, args.out))
            if args.audit_command == "check":
                return maintenance.check(args.file, args.fingerprint)
            if args.audit_command == "key":
                return maintenance.audit_key(settings)
            return asyncio.run(maintenance.verify(settings))
        if args.command == "demo-data":
            return asyncio.run(_demo(settings, args.cases, args.seed))
        if args.command == "purge":
            return asyncio.run(
                maintenance.purge_closed(settings, args.before, dry_run=args.dry_run)
            )
        if args.command == "tick":
            return asyncio.run(_tick(settings, args.now, send=args.send, only=args.only))
        if args.command == "key":
            if args.key_command == "rotate":
                return asyncio.run(maintenance.rotate_key(settings))
            print(new_key())
            return 0
    except (SettingsError, TimetableError) as error:
        print(f"Cannot start: {error}", file=sys.stderr)
        return 2
    return 1


async def _upgrade(settings: Settings) -> int:
    """Migrations; then the due dates of milestones an open case has no date for yet (a
    milestone the timetable gained since the case began): how many cases got some."""
    engine = db.create_engine(settings.database_url)
    try:
        await db.upgrade(engine)
        return await fill_new_milestones(
            db.create_sessionmaker(engine, audit_signer(settings)),
            load_timetable(settings.timetable_file),
        )
    finally:
        await engine.dispose()


async def _demo(settings: Settings, count: int, seed: int) -> int:
    from bot.demo import DemoRefused, generate
    from bot.keys import master_cipher

    engine = db.create_engine(settings.database_url)
    try:
        await db.upgrade(engine)
        made = await generate(
            db.create_sessionmaker(engine, audit_signer(settings)),
            master_cipher(settings),
            load_timetable(settings.timetable_file),
            count,
            now=datetime.now(UTC),
            seed=seed,
        )
    except DemoRefused as refused:
        print(f"Refused: {refused}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    print(
        f"Made {made.cases} invented cases: {made.open} open ({made.overdue} stalled with a "
        f"deadline overdue), {made.cases - made.open} closed."
    )
    return 0


def _deadlines(settings: Settings, awareness: date, *, as_json: bool) -> int:
    timetable = load_timetable(settings.timetable_file)
    rows = plan(timetable, awareness)
    if as_json:
        print(
            json.dumps(
                {
                    "awareness": awareness.isoformat(),
                    "day_1": timetable.calendar().day_one(awareness).isoformat(),
                    "rapid_review_anchor": timetable.rapid_review_anchor,
                    "milestones": [
                        {
                            "number": r.milestone.number,
                            "key": r.milestone.key,
                            "title": r.milestone.title,
                            "rule": r.milestone.describe_offset(),
                            "day": r.day_number,
                            "due": r.due.isoformat() if r.due else None,
                            "statutory": r.milestone.statutory,
                        }
                        for r in rows
                    ],
                },
                indent=2,
            )
        )
        return 0
    day_one = timetable.calendar().day_one(awareness)
    print(
        f"Aware {day(awareness)}; Day 1 is {day(day_one)}. "
        f"Working days exclude weekends, England-and-Wales bank holidays and closure days."
    )
    print(f"{'#':>3}  {'Day':>4}  {'Due':<11}  Milestone")
    for r in rows:
        due = day(r.due) if r.due else "-"
        number = str(r.day_number) if r.day_number is not None else "-"
        mark = " (statutory)" if r.milestone.statutory else ""
        print(f"{r.milestone.number:>3}  {number:>4}  {due:<11}  {r.milestone.title}{mark}")
        print(f"{'':>3}  {'':>4}  {'':<11}  {r.milestone.describe_offset()}")
    print("Later dates assume each earlier milestone is met on its due date.")
    return 0


async def _tick(
    settings: Settings, now: datetime | None, *, send: bool = False, only: str | None = None
) -> int:
    """The reminder jobs once, for ``now`` (default: the clock). What they queue, the running
    bot's outbox sends; with ``send``, this process delivers whatever is due itself."""
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        print("Give --now with its zone, for example 2026-12-01T09:00+00:00.", file=sys.stderr)
        return 2
    result, sent = await (
        _tick_and_send(settings, moment, only) if send else _tick_only(settings, moment, only)
    )
    if not result.working:
        print(f"{moment.isoformat()} is outside working hours: nothing queued.")
    else:
        print(f"Reminders: {result.nudges} due now, {result.queued} newly queued.")
    if send:
        print(f"Sent {sent} message{'s' if sent != 1 else ''}.")
    return 0


async def _tick_only(settings: Settings, moment: datetime, only: str | None) -> tuple[Ticked, int]:
    from bot.keys import master_cipher
    from flows.context import CaseContext, ReviewChannel

    engine = db.create_engine(settings.database_url)
    try:
        await db.upgrade(engine)
        sessions = db.create_sessionmaker(engine, audit_signer(settings))
        channel = ReviewChannel(settings.case_review_channel_id)
        async with sessions() as session:
            await channel.refresh(session)
        context = CaseContext(
            master_cipher(settings),
            load_timetable(settings.timetable_file),
            settings.tz,
            channel,
            settings.contact_email,
        )
        rules = load_rules(settings.nudges_file)
        return await tick(sessions, context, rules, moment, only), 0
    finally:
        await engine.dispose()


async def _tick_and_send(
    settings: Settings, moment: datetime, only: str | None
) -> tuple[Ticked, int]:
    """The bot itself, without its web server or timers, at ``moment``: tick, then deliver."""
    from bot.app import SERVICES, create_app

    app = create_app(settings, clock=lambda: moment, start_scheduler=False)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        services = app[SERVICES]
        result = await tick(services.sessions, services.cases, services.reminders, moment, only)
        await services.dispatcher.wait_idle()
        await services.dispatcher.flush()
        await services.dispatcher.wait_idle()
        return result, services.dispatcher.delivered
    finally:
        await runner.cleanup()


def _run(settings: Settings) -> int:
    from bot.app import create_app, settled

    app = create_app(settings)
    app.on_startup.append(settled)  # after the start-up itself (cleanup_ctx runs first)
    if settings.local:
        log.warning("LOCAL MODE: authentication is off; listening on loopback only")
    print(f"Bot listening on http://{settings.host}:{settings.port}/api/messages", flush=True)
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None)
    return 0
