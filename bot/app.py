"""The composition root: ``create_app(settings)`` builds the aiohttp application.

Engine, adapter, bot and scheduler are created in the app's startup context and handed down
through constructors; nothing lives at module level.
"""

from __future__ import annotations

import gc
import logging
import tomllib
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.actions import ActionRegistry
from bot.adapter import CaseReviewAdapter
from bot.clock import Clock, system_clock
from bot.commands.loader import load_commands
from bot.commands.registry import CommandRegistry
from bot.config import load_rules, load_timetable
from bot.downloads import add_routes as add_download_routes
from bot.handler import CaseReviewBot
from bot.keys import audit_signer, master_cipher
from bot.messenger import TeamsMessenger
from bot.outbox import OutboxDispatcher
from bot.settings import Settings, SettingsError
from bot.turn import Services
from cards import common as cards
from dialogs.forms import FORMS, Form, wizards
from dialogs.wizard import WizardDeps
from flows.context import CaseContext, ReviewChannel
from flows.reminders import tick
from storage import db, leases
from storage.audit import append_audit
from storage.people import grant_role
from workflow import calendar
from workflow.timetable import TimetableError

log = logging.getLogger(__name__)

ENGINE = web.AppKey("engine", AsyncEngine)
SERVICES = web.AppKey("services", Services)
ADAPTER = web.AppKey("adapter", CaseReviewAdapter)
BOT = web.AppKey("bot", CaseReviewBot)
SCHEDULER = web.AppKey("scheduler", AsyncIOScheduler)

SYSTEM_ACTOR = "system"
MAX_BODY_BYTES = 4 * 1024 * 1024


def prepare(now: datetime) -> None:
    """What would otherwise be built on the first turn or reminder tick after a start, built
    before serving: the card library's models, and this year's and next year's bank holidays
    (about 0.2 s each, once a process)."""
    cards.prepare()
    calendar.prepare(now.year, now.year + 1)


def settle() -> None:
    """Once a serving process has started: what it built to start (modules, mappers, card
    models, the adapter) is kept out of the garbage collector's full passes from now on
    (``gc.freeze``). Each full pass would otherwise walk them all again: at 100,000 cases a
    fifth of the morning's reminder tick. Garbage is collected first, so none is kept."""
    gc.collect()
    gc.freeze()


async def settled(app: web.Application) -> None:
    """``settle`` as the last step of start-up (``python -m bot run`` appends it)."""
    settle()


def create_app(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    commands: CommandRegistry | None = None,
    actions: ActionRegistry | None = None,
    forms: Sequence[Form] = FORMS,
    start_scheduler: bool = True,
) -> web.Application:
    # Teams activities are far smaller; the limit leaves room for a long pasted message, and
    # a larger body is answered 413 before it is read.
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    grants = configured_grants(settings)
    # Read and checked before serving: a bad timetable or key stops start-up here.
    try:
        timetable = load_timetable(settings.timetable_file)
    except TimetableError as error:
        raise SettingsError(str(error)) from None
    cipher = master_cipher(settings)
    signer = audit_signer(settings)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        prepare(clock())
        engine = db.create_engine(settings.database_url, checkpoint_in_background=True)
        await db.upgrade(engine)
        sessions = db.create_sessionmaker(engine, signer)
        await _bootstrap_roles(grants, sessions, clock)
        channel = ReviewChannel(settings.case_review_channel_id)
        async with sessions() as session:  # ``setup`` in Teams outranks the configuration
            await channel.refresh(session)

        adapter = CaseReviewAdapter(settings)
        adapter.auth.start()  # signing keys and the bot's token, in the background
        messenger = TeamsMessenger(
            sessions=sessions,
            clock=clock,
            adapter=adapter,
            app_id=settings.app_id if not settings.local else "",
            tenant_id=settings.allowed_tenant_id,
            channel=channel,
        )
        dispatcher = OutboxDispatcher(
            sessions=sessions,
            cipher=cipher,
            clock=clock,
            messenger=messenger,
            channel=channel,
            timezone=settings.tz,
            give_up=timedelta(hours=settings.outbox_give_up_hours),
        )
        db.on_queued_commit(sessions, dispatcher.kick)  # what a transaction queues is sent
        wizard_deps = WizardDeps(
            sessions=sessions, cipher=cipher, clock=clock, timezone=settings.tz
        )
        case_context = CaseContext(
            cipher, timetable, settings.tz, channel, contact_email=settings.contact_email
        )
        loaded_commands, loaded_actions = load_commands(forms)
        services = Services(
            settings=settings,
            engine=engine,
            sessions=sessions,
            clock=clock,
            commands=commands or loaded_commands,
            actions=actions or loaded_actions,
            timetable=timetable,
            cipher=cipher,
            dispatcher=dispatcher,
            messenger=messenger,
            wizards=wizards(forms, wizard_deps, case_context),
            cases=case_context,
            reminders=load_rules(settings.nudges_file),
        )
        reminder_rules = services.reminders

        instance = uuid.uuid4().hex  # this process, for the job leases

        async def reminders() -> None:
            """Every minute, on whichever instance holds the lease."""
            now = clock()
            try:
                if await leases.take(sessions, "reminders", instance, now, seconds=55):
                    await tick(sessions, case_context, reminder_rules, now)
            except Exception:  # a bad run is logged; the next minute tries again
                log.exception("reminder tick failed")

        async def refresh_channel() -> None:
            """Every minute, on every instance: ``setup`` on another instance reaches this one."""
            try:
                async with sessions() as session:
                    await channel.refresh(session)
            except Exception:  # the database away for a moment: the next minute tries again
                log.warning("case review channel not re-read", exc_info=True)

        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(
            refresh_channel, "interval", seconds=60, id="channel", max_instances=1, coalesce=True
        )
        if settings.reminders:
            scheduler.add_job(
                reminders,
                "interval",
                seconds=60,
                id="reminders",
                max_instances=1,
                coalesce=True,
            )
        scheduler.add_job(
            dispatcher.tick,
            "interval",
            seconds=settings.outbox_interval_seconds,
            id="outbox",
            max_instances=1,
            coalesce=True,
        )
        if start_scheduler:
            scheduler.start()

        app[ENGINE] = engine
        app[SERVICES] = services
        app[ADAPTER] = adapter
        app[BOT] = CaseReviewBot(services)
        app[SCHEDULER] = scheduler
        log.info(
            "bot started", extra={"mode": settings.mode, "database": engine.url.get_backend_name()}
        )
        checkpoints = db.WalCheckpoints.for_engine(engine)
        if checkpoints is not None:
            checkpoints.start()
        try:
            yield
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=False)
            await dispatcher.wait_idle()
            await adapter.auth.close()
            if checkpoints is not None:
                await checkpoints.stop()
            await engine.dispose()
            log.info("bot stopped")

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/api/messages", _messages)
    app.router.add_get("/healthz", _healthz)
    add_download_routes(app, settings, SERVICES)
    return app


async def _messages(request: web.Request) -> web.StreamResponse:
    app = request.app
    return await app[ADAPTER].process(request, app[BOT])


async def _healthz(request: web.Request) -> web.Response:
    app = request.app
    database_ok = await db.ping(app[ENGINE])
    health = app[ADAPTER].health
    health.seen(database_ok, datetime.now(UTC))
    scheduler = app[SCHEDULER]
    body = {
        "status": "ok" if database_ok else "unavailable",
        "database": "ok" if database_ok else "unreachable",
        **health.report(),
        "scheduler": "running" if scheduler.running else "stopped",
        "jobs": len(scheduler.get_jobs()),
    }
    return web.json_response(body, status=200 if database_ok else 503)


def configured_grants(settings: Settings) -> list[tuple[str, str]]:
    """``admin`` for the configured admins, and in local mode the demo personas' roles."""
    grants: list[tuple[str, str]] = [(aad, "admin") for aad in settings.bootstrap_admins]
    if settings.local and settings.local_roles_file:
        data = tomllib.loads(Path(settings.local_roles_file).read_text())
        for person in data.get("people", []):
            grants += [(person["aad_object_id"], role) for role in person.get("roles", [])]
    return grants


async def _bootstrap_roles(grants: list[tuple[str, str]], sessions: Any, clock: Clock) -> None:
    if not grants:
        return
    now = clock()
    async with db.transaction(sessions) as session:
        for aad_object_id, role in grants:
            if await grant_role(
                session=session,
                aad_object_id=aad_object_id,
                role=role,
                granted_by=SYSTEM_ACTOR,
                now=now,
            ):
                await append_audit(
                    session=session,
                    now=now,
                    actor_aad_id=SYSTEM_ACTOR,
                    actor_role="system",
                    action="role.granted",
                    details={
                        "aad_object_id": aad_object_id,
                        "role": role,
                        "source": "configuration",
                    },
                )
