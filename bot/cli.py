"""``python -m bot``: run the bot, migrate the database, and the business unit's tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from aiohttp import web

from bot import logs
from bot.settings import Settings, SettingsError
from storage import db

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Case Review Bot")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the bot's web server")
    db_parser = sub.add_parser("db", help="database tasks")
    db_sub = db_parser.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations")

    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"Cannot start: {error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)

    if args.command == "run":
        return _run(settings)
    if args.command == "db":
        asyncio.run(_upgrade(settings))
        print("Database is up to date.")
        return 0
    return 1


async def _upgrade(settings: Settings) -> None:
    engine = db.create_engine(settings.database_url)
    try:
        await db.upgrade(engine)
    finally:
        await engine.dispose()


def _run(settings: Settings) -> int:
    from bot.app import create_app

    app = create_app(settings)
    if settings.local:
        log.warning("LOCAL MODE: authentication is off; listening on loopback only")
    print(f"Bot listening on http://{settings.host}:{settings.port}/api/messages", flush=True)
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None)
    return 0
