"""The two servers the turn benchmark compares, each run in its own process.

``echo``: a stock botbuilder 4.17.1 echo bot (stock CloudAdapter and ActivityHandler), changed
only by the smallest work-around that lets an ``expectReplies`` body through: stock 4.17.1
serialises that body twice and answers HTTP 500, so this subclass hands ``process`` the model
instead of the already-serialised dict. ``project``: this project's app (``create_app``), in
local mode with a SQLite file, answering ``help``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from http import HTTPStatus
from pathlib import Path
from typing import Any

from aiohttp import web
from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import DeliveryModes, ExpectedReplies

TENANT = "00000000-0000-4000-8000-00000000b0d5"


class _NoCredentials:
    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(f"Echo: {turn_context.activity.text}")


class ExpectRepliesWorkaroundAdapter(CloudAdapter):
    def _process_turn_results(self, context: TurnContext) -> InvokeResponse:
        if context.activity.delivery_mode == DeliveryModes.expect_replies:
            return InvokeResponse(
                status=HTTPStatus.OK,
                body=ExpectedReplies(activities=context.buffered_reply_activities),
            )
        return super()._process_turn_results(context)


def echo_app() -> web.Application:
    adapter = ExpectRepliesWorkaroundAdapter(
        ConfigurationBotFrameworkAuthentication(_NoCredentials())
    )
    bot = EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, bot)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


def project_app() -> web.Application:
    from bot.app import create_app, settled
    from bot.settings import Settings

    folder = Path(tempfile.mkdtemp(prefix="crb-bench-"))
    settings = Settings(
        mode="local",
        # A prepared database (bench.data) and the keys its cases are encrypted with, or a new one.
        database_url=os.environ.get("BENCH_DATABASE_URL")
        or f"sqlite+aiosqlite:///{folder / 'bench.db'}",
        allowed_tenant_id=TENANT,
        var_dir=os.environ.get("BENCH_VAR_DIR") or str(folder / "var"),
        log_level="WARNING",
        reminders=False,  # measured on its own (bench.ticks), not under the turns
    )
    app = create_app(settings)
    app.on_startup.append(_seed_cases)  # after the app's own start-up (migrations)
    app.on_startup.append(settled)  # as ``python -m bot run`` does
    return app


# Cases at scoping for the chair's press (each press decides a new one): as many as the run
# presses, which bench.turns passes in BENCH_CASES.
BENCH_CASES = int(os.environ.get("BENCH_CASES", "0"))
CHAIR_WORKERS = 8  # the bench's users 0..7 hold the chair's role


async def _seed_cases(app: web.Application) -> None:
    """Cases at scoping for the chair's button press, and the chair's role for the bench's
    users: made here through the storage layer, as a referral would make them."""
    from datetime import UTC, date, datetime

    from bot.app import SERVICES
    from storage import cases, people
    from storage.db import transaction
    from workflow.roles import Role

    services = app[SERVICES]
    now = datetime.now(UTC)
    async with transaction(services.sessions) as session:
        for worker in range(CHAIR_WORKERS):
            await people.grant_role(
                session=session,
                aad_object_id=f"00000000-0000-4000-8000-0000000000{worker:02d}",
                role=Role.CHAIR,
                granted_by="bench",
                now=now,
            )
        chair: list[str] = []
        for n in range(BENCH_CASES):
            case = await cases.create_case(
                session=session,
                master=services.cipher,
                timetable=services.timetable,
                new=cases.NewCase(
                    awareness_date=date(2026, 11, 2),
                    referring_agency="Bench agency",
                    referrer_aad_id="bench-referrer",
                    referral={"incident": {"what_happened": f"Bench case {n}"}},
                ),
                actor_role=Role.PRACTITIONER,
                now=now,
            )
            chair.append(case.reference)
        chronology = await _seed_chronology(session, services, now)
    seeded = os.environ.get("BENCH_SEEDED")
    if seeded:  # where the bench reads which cases were made for it
        Path(seeded).write_text(json.dumps({"chair": chair, "chronology": chronology}))  # noqa: ASYNC240


CHRONOLOGY_AGENCIES = 10
CHRONOLOGY_ENTRIES = 30  # per agency: 300 in all


async def _seed_chronology(session: Any, services: Any, now: Any) -> str:
    """One case at the rapid review (the reference after the chair's cases) with ten agencies'
    Information Gathering Tools returned, thirty chronology entries each, for ``chronology``."""
    from datetime import date, timedelta

    from storage import cases, requests
    from workflow.roles import Role

    case = await cases.create_case(
        session=session,
        master=services.cipher,
        timetable=services.timetable,
        new=cases.NewCase(
            awareness_date=date(2026, 11, 2),
            referring_agency="Bench agency",
            referrer_aad_id="bench-referrer",
            referral={"incident": {"what_happened": "Bench chronology case"}},
        ),
        actor_role=Role.PRACTITIONER,
        now=now,
    )
    case.stage = "rapid_review"
    for a in range(CHRONOLOGY_AGENCIES):
        request, _ = await requests.add_request(
            session=session,
            case=case,
            purpose="igt",
            aad_object_id=f"bench-respondent-{a}",
            agency=f"Bench agency {a}",
            requested_by="bench",
            now=now,
        )
        rows = [
            {
                "date": (date(2026, 10, 1) + timedelta(days=(a + 3 * e) % 40)).isoformat(),
                "time": f"{(a + e) % 24:02d}:{(7 * e) % 60:02d}",
                "event": f"Agency {a}, event {e}: a key event around the time of the incident.",
            }
            for e in range(CHRONOLOGY_ENTRIES)
        ]
        await requests.add_return(
            session=session,
            master=services.cipher,
            case=case,
            request=request,
            kind="return",
            form={"chronology": rows},
            by=f"bench-respondent-{a}",
            now=now,
        )
        request.state = "returned"
    return str(case.reference)


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    import logging

    logging.basicConfig(level=logging.WARNING)
    app = echo_app() if kind == "echo" else project_app()
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
