"""The composition root: ``create_app(settings)`` builds the aiohttp application.

Engine, adapter, bot and scheduler are created in the app's startup context and handed down
through constructors; nothing lives at module level.
"""

from __future__ import annotations

import logging
import tomllib
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.actions import ActionRegistry
from bot.adapter import CaseReviewAdapter
from bot.clock import Clock, system_clock
from bot.commands import ACTIONS, COMMANDS
from bot.commands.registry import CommandRegistry
from bot.handler import CaseReviewBot
from bot.keys import master_cipher
from bot.messenger import TeamsMessenger
from bot.outbox import OutboxDispatcher
from bot.settings import Settings, SettingsError
from bot.turn import Services
from dialogs.igt import igt_wizard
from dialogs.referral import entered_referral_wizard, referral_wizard
from dialogs.wizard import FormWizard, WizardDeps
from flows.actions import ActionAddFlow, ActionUpdateFlow
from flows.addinfo import AddInfoFlow
from flows.cases import CaseContext
from flows.decisions import ScopingFlow
from flows.lcspr import (
    CommissioningFlow,
    CommsFlow,
    DelayFlow,
    commissioning_prefill,
    comms_prefill,
    teller_prefill,
)
from flows.referrals import ReferralFlow
from flows.reminders import tick
from flows.review import ReviewProposalFlow
from storage import db, leases
from storage.audit import append_audit
from storage.conversations import CASE_REVIEW_CHANNEL, stored_setting
from storage.people import grant_role
from workflow.actions import ACTION_ADD, ACTION_UPDATE
from workflow.addinfo import ADD_INFO
from workflow.igt import IGT
from workflow.lcspr import COMMISSIONING, COMMS_PLAN, DELAY
from workflow.nudges import load_rules
from workflow.referral import REFERRAL, REFERRAL_FOR
from workflow.review import REVIEW
from workflow.scoping import SCOPING
from workflow.timetable import TimetableError, load_timetable

log = logging.getLogger(__name__)

ENGINE = web.AppKey("engine", AsyncEngine)
SERVICES = web.AppKey("services", Services)
ADAPTER = web.AppKey("adapter", CaseReviewAdapter)
BOT = web.AppKey("bot", CaseReviewBot)
SCHEDULER = web.AppKey("scheduler", AsyncIOScheduler)

SYSTEM_ACTOR = "system"
MAX_BODY_BYTES = 4 * 1024 * 1024


def create_app(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    commands: CommandRegistry | None = None,
    actions: ActionRegistry | None = None,
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

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        nonlocal settings  # the case review channel chosen by ``setup`` replaces the configured
        engine = db.create_engine(settings.database_url)
        await db.upgrade(engine)
        sessions = db.create_sessionmaker(engine)
        await _bootstrap_roles(grants, sessions, clock)
        async with sessions() as session:  # ``setup`` in Teams outranks the configuration
            chosen = await stored_setting(session=session, key=CASE_REVIEW_CHANNEL)
        if chosen:
            settings = replace(settings, case_review_channel_id=chosen)

        adapter = CaseReviewAdapter(settings)
        adapter.auth.start()  # signing keys and the bot's token, in the background
        messenger = TeamsMessenger(
            sessions=sessions,
            clock=clock,
            adapter=adapter,
            app_id=settings.app_id if not settings.local else "",
            tenant_id=settings.allowed_tenant_id,
            channel_id=settings.case_review_channel_id,
        )
        dispatcher = OutboxDispatcher(
            sessions=sessions,
            cipher=cipher,
            clock=clock,
            messenger=messenger,
            channel_id=settings.case_review_channel_id,
            timezone=settings.tz,
            give_up=timedelta(hours=settings.outbox_give_up_hours),
        )
        db.on_queued_commit(sessions, dispatcher.kick)  # what a transaction queues is sent
        wizard_deps = WizardDeps(
            sessions=sessions, cipher=cipher, clock=clock, timezone=settings.tz
        )
        case_context = CaseContext(cipher, timetable, settings.tz, settings.case_review_channel_id)
        referral_flow = ReferralFlow(
            cipher=cipher,
            timetable=timetable,
            timezone=settings.tz,
            case_review_channel_id=settings.case_review_channel_id,
            contact_email=settings.contact_email,
        )
        referrals = referral_wizard(wizard_deps, referral_flow)
        entered = entered_referral_wizard(wizard_deps, replace(referral_flow, for_someone=True))
        services = Services(
            settings=settings,
            engine=engine,
            sessions=sessions,
            clock=clock,
            commands=commands or COMMANDS,
            actions=actions or ACTIONS,
            timetable=timetable,
            cipher=cipher,
            dispatcher=dispatcher,
            messenger=messenger,
            wizards={
                REFERRAL.kind: referrals,
                REFERRAL_FOR.kind: entered,
                SCOPING.kind: FormWizard(SCOPING, wizard_deps, ScopingFlow(case_context)),
                REVIEW.kind: FormWizard(REVIEW, wizard_deps, ReviewProposalFlow(case_context)),
                ADD_INFO.kind: FormWizard(ADD_INFO, wizard_deps, AddInfoFlow(cipher)),
                IGT.kind: igt_wizard(wizard_deps, case_context),
                ACTION_ADD.kind: FormWizard(ACTION_ADD, wizard_deps, ActionAddFlow(case_context)),
                ACTION_UPDATE.kind: FormWizard(
                    ACTION_UPDATE, wizard_deps, ActionUpdateFlow(case_context)
                ),
                COMMISSIONING.kind: FormWizard(
                    COMMISSIONING,
                    wizard_deps,
                    CommissioningFlow(case_context),
                    prefill=teller_prefill,
                    case_prefill=lambda session, _person, case_id, _now: commissioning_prefill(
                        session, case_context, case_id
                    ),
                ),
                DELAY.kind: FormWizard(DELAY, wizard_deps, DelayFlow(case_context)),
                COMMS_PLAN.kind: FormWizard(
                    COMMS_PLAN,
                    wizard_deps,
                    CommsFlow(case_context),
                    case_prefill=lambda session, _person, case_id, _now: comms_prefill(
                        session, case_context, case_id
                    ),
                ),
            },
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

        scheduler = AsyncIOScheduler(timezone="UTC")
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
        try:
            yield
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=False)
            await dispatcher.wait_idle()
            await adapter.auth.close()
            await engine.dispose()
            log.info("bot stopped")

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/api/messages", _messages)
    app.router.add_get("/healthz", _healthz)
    return app


def use_channel(services: Services, channel_id: str) -> None:
    """Post to ``channel_id`` from now on: every holder of the case review channel, in one
    place (``setup``; at start-up the stored choice is read before any of them is made)."""
    object.__setattr__(
        services, "settings", replace(services.settings, case_review_channel_id=channel_id)
    )
    object.__setattr__(services.cases, "case_review_channel_id", channel_id)
    services.messenger.channel_id = channel_id
    services.dispatcher.channel_id = channel_id
    for wizard in services.wizards.values():
        if hasattr(wizard.flow, "case_review_channel_id"):
            object.__setattr__(wizard.flow, "case_review_channel_id", channel_id)


async def _messages(request: web.Request) -> web.StreamResponse:
    app = request.app
    return await app[ADAPTER].process(request, app[BOT])


async def _healthz(request: web.Request) -> web.Response:
    app = request.app
    database_ok = await db.ping(app[ENGINE])
    scheduler = app[SCHEDULER]
    body = {
        "status": "ok" if database_ok else "unavailable",
        "database": "ok" if database_ok else "unreachable",
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
