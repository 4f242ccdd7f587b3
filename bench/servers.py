"""The two servers the turn benchmark compares, each run in its own process.

``echo``: a stock botbuilder 4.17.1 echo bot (stock CloudAdapter and ActivityHandler), changed
only by the smallest work-around that lets an ``expectReplies`` body through: stock 4.17.1
serialises that body twice and answers HTTP 500, so this subclass hands ``process`` the model
instead of the already-serialised dict. ``project``: this project's app (``create_app``), in
local mode with a SQLite file, answering ``help``.
"""

from __future__ import annotations

import sys
import tempfile
from http import HTTPStatus
from pathlib import Path

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
    from bot.app import create_app
    from bot.settings import Settings

    folder = Path(tempfile.mkdtemp(prefix="crb-bench-"))
    settings = Settings(
        mode="local",
        database_url=f"sqlite+aiosqlite:///{folder / 'bench.db'}",
        allowed_tenant_id=TENANT,
        var_dir=str(folder / "var"),
        log_level="WARNING",
    )
    return create_app(settings)


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    import logging

    logging.basicConfig(level=logging.WARNING)
    app = echo_app() if kind == "echo" else project_app()
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
