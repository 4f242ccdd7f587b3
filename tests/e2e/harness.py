"""Drive the bot through the local Teams client (Microsoft 365 Agents Playground).

``LocalTeams`` starts the bot (``python -m bot run``, local mode, a SQLite file of its own) and
the client on free ports, then uses the client's scriptable API (pinned version 0.2.28, see
``../shared/PLATFORM.md``):

* the current user (the practitioner) types through ``/_conversation/v1/...``, exactly as
  the browser page does;
* any other persona (chair, business unit, ...) acts through ``/_internal/v1/customActivities``
  with their own ``from`` and tenant, in their own 1:1 chat or in the channel;
* everything the bot sends or updates, in every conversation, is read from the client's log
  websocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.cardcheck import card_text, current_values, find_action, input_ids

ROOT = Path(__file__).resolve().parents[2]
PLAYGROUND = ROOT / "node_modules" / ".bin" / "agentsplayground"
CARD = "application/vnd.microsoft.card.adaptive"

PERSONA_IDS = {
    "practitioner": "user-practitioner",
    "chair": "user-chair",
    "business_unit": "user-business-unit",
    "police": "user-police",
    "local_authority": "user-local-authority",
    "health": "user-health",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class BotMessage:
    """One message the bot created or updated, as the client received it."""

    conversation_id: str
    message_id: str
    activity: dict[str, Any]
    updated: bool = False

    @property
    def text(self) -> str:
        return str(self.activity.get("text") or "")

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.activity.get("attachments") or []:
            if attachment.get("contentType") == CARD:
                content = attachment.get("content")
                return content if isinstance(content, dict) else None
        return None

    def showing(self, answer: dict[str, Any]) -> BotMessage:
        """This message as the client shows it after an Action.Execute answered with a card."""
        assert answer.get("type") == CARD, f"expected a card, got {answer}"
        activity = {
            **self.activity,
            "attachments": [{"contentType": CARD, "content": answer["value"]}],
        }
        return BotMessage(self.conversation_id, self.message_id, activity, updated=True)

    @property
    def recipient_id(self) -> str | None:
        recipient = self.activity.get("recipient") or {}
        return recipient.get("id")


@dataclass
class LocalTeams:
    workdir: Path
    database_url: str = ""
    bot_port: int = field(default_factory=free_port)
    client_port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    install: bool = True
    config: dict[str, Any] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    _bot: subprocess.Popen[bytes] | None = None
    _client: subprocess.Popen[bytes] | None = None
    _session: aiohttp.ClientSession | None = None
    _ws_task: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _personal: dict[str, str] = field(default_factory=dict)

    # ----- lifecycle -----------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    async def start(self) -> LocalTeams:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._session = aiohttp.ClientSession()
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.workdir / 'bot.db'}"
        await self.start_bot()
        client_dir = self.workdir / "client"
        client_dir.mkdir(exist_ok=True)
        shutil.copy(ROOT / ".m365agentsplayground.yml", client_dir / ".m365agentsplayground.yml")
        env = {**os.environ, "TEAMSAPPTESTER_BROWSER": "none"}
        self._client = subprocess.Popen(
            [
                str(PLAYGROUND),
                "-e",
                f"http://127.0.0.1:{self.bot_port}/api/messages",
                "-c",
                "msteams",
                "-p",
                str(self.client_port),
                "--dt",
            ],
            cwd=client_dir,
            env=env,
            stdout=open(self.workdir / "client.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        await self._wait_http(f"{self.base}/_internal/v1/config", "local Teams client")
        async with self._session.get(f"{self.base}/_internal/v1/config") as response:
            self.config = (await response.json())["config"]
        ws = await self._session.ws_connect(f"ws://127.0.0.1:{self.client_port}/_ws/log/stream")
        self._ws_task = asyncio.create_task(self._read_log(ws))
        if self.install:
            await self.install_in_team()
        return self

    async def install_in_team(self) -> None:
        """The bot is added to the team, as in Teams (``make run`` does the same)."""
        from scripts.local_install import install

        marker = len(self.log)
        await install(self.client_port)
        await self.wait_for_log(
            lambda e: e.get("activityName") == "conversationUpdate", after=marker
        )

    def bot_env(self) -> dict[str, str]:
        """The bot's environment (``tick`` runs with the same)."""
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("APP_", "DATABASE_"))},
            "BOT_MODE": "local",
            "HOST": "127.0.0.1",
            "PORT": str(self.bot_port),
            "DATABASE_URL": self.database_url,
            "ALLOWED_TENANT_ID": "00000000-0000-4000-8000-00000000b0d5",
            "CASE_REVIEW_CHANNEL_ID": "channel-case-review",
            "LOCAL_ROLES_FILE": str(ROOT / "config" / "local-roles.toml"),
            "TIMETABLE_FILE": str(ROOT / "config" / "timetable.toml"),
            "VAR_DIR": str(self.workdir / "var"),
            "OUTBOX_INTERVAL_SECONDS": "0.5",
            "LOG_LEVEL": "INFO",
            # The reminder job follows the wall clock; tests drive it with ``tick`` instead.
            "REMINDERS": "off",
            **self.extra_env,
        }

    async def start_bot(self) -> None:
        self._bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=ROOT,
            env=self.bot_env(),
            stdout=open(self.workdir / "bot.log", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        await self._wait_http(f"http://127.0.0.1:{self.bot_port}/healthz", "bot")

    async def tick(self, now: str) -> str:
        """``python -m bot tick --now NOW --send`` on the bot's database: the reminders due
        at that moment are queued and sent (by that process: to the running bot, NOW may be
        days ahead, and what is queued for then isn't due yet)."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "tick",
            "--now",
            now,
            "--send",
            cwd=ROOT,
            env=self.bot_env(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
        if process.returncode != 0:
            raise RuntimeError(f"tick failed: {err.decode()}")
        return out.decode()

    async def restart_bot(self) -> None:
        """Stop the bot process (as a crash or redeploy would) and start it again."""
        self._stop(self._bot)
        self._bot = None
        await self.start_bot()

    async def stop(self) -> None:
        if self._ws_task:
            self._ws_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._ws_task
        if self._session:
            await self._session.close()
        self._stop(self._client)
        self._stop(self._bot)

    @staticmethod
    def _stop(process: subprocess.Popen[bytes] | None) -> None:
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    async def _wait_http(self, url: str, what: str, timeout: float = 60) -> None:
        assert self._session is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in (self._bot, self._client):
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"{what} exited; see {self.workdir}")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with self._session.get(url) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.2)
        raise TimeoutError(f"{what} did not answer within {timeout} s; see {self.workdir}")

    async def _read_log(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if data.get("logAction") == "appendLog" and isinstance(data.get("log"), dict):
                self.log.append(data["log"])
                self._changed.set()

    # ----- who is who ----------------------------------------------------------------

    def user(self, persona: str) -> dict[str, Any]:
        user_id = PERSONA_IDS[persona]
        for user in [self.config["currentUser"], *self.config["users"]]:
            if user["id"] == user_id:
                return dict(user)
        raise KeyError(persona)

    @property
    def tenant(self) -> str:
        return str(self.config["tenantId"])

    @property
    def team(self) -> dict[str, Any]:
        return dict(self.config["teams"][0])

    @property
    def channel_id(self) -> str:
        """The team's "Case Review" channel."""
        for channel in self.team["channels"]:
            if channel["name"] == "Case Review":
                return str(channel["id"])
        raise KeyError("Case Review channel")

    async def personal_chat(self, persona: str) -> str:
        """The persona's 1:1 chat with the bot (the mocked connector makes it once)."""
        if persona == "practitioner":
            return str(self.config["personalChat"]["id"])
        if persona not in self._personal:
            assert self._session is not None
            body = {
                "bot": {"id": self.config["bot"]["id"]},
                "members": [{"id": self.user(persona)["id"]}],
                "tenantId": self.tenant,
                "isGroup": False,
            }
            async with self._session.post(
                f"{self.base}/_connector/v3/conversations", json=body
            ) as response:
                self._personal[persona] = (await response.json())["id"]
        return self._personal[persona]

    @property
    def group_chat_id(self) -> str:
        """The client's group chat ("Case Review Group")."""
        return str(self.config["groupChats"][0]["id"])

    async def conversation(self, persona: str, where: str) -> str:
        if where == "channel":
            return self.channel_id
        if where == "group":
            return self.group_chat_id
        return await self.personal_chat(persona)

    # ----- acting --------------------------------------------------------------------

    async def send(
        self, text: str, *, persona: str = "practitioner", where: str = "personal"
    ) -> None:
        """``persona`` types ``text`` in their 1:1 chat, or (with an @mention) in the channel
        or the group chat."""
        assert self._session is not None
        bot = self.config["bot"]
        mention = where in ("channel", "group")
        if mention:
            text = f"<at>{bot['name']}</at> {text}"
        if persona == "practitioner":
            conversation = await self.conversation(persona, where)
            body: dict[str, Any] = {
                "from": {"id": self.user(persona)["id"]},
                "text": text,
                "textFormat": "plain",
            }
            if mention:
                body["mentions"] = [
                    {"mentioned": {"id": bot["id"]}, "text": f"<at>{bot['name']}</at>"}
                ]
            async with self._session.post(
                f"{self.base}/_conversation/v1/conversations/{conversation}/messages", json=body
            ) as response:
                response.raise_for_status()
            return
        await self._custom(persona, where, {"type": "message", "text": text, "textFormat": "plain"})

    async def execute(
        self,
        message: BotMessage,
        verb: str,
        data: dict[str, Any] | None = None,
        *,
        persona: str = "practitioner",
        trigger: str = "manual",
    ) -> dict[str, Any]:
        """Press an Action.Execute button on ``message``'s card (or, with ``trigger``
        "automatic", refresh the card as Teams would for ``persona``); return the bot's
        answer."""
        assert self._session is not None
        value = {
            "action": {"type": "Action.Execute", "verb": verb, "data": data or {}},
            "trigger": trigger,
        }
        if persona == "practitioner":
            body = {
                "name": "adaptiveCard/action",
                "value": value,
                "conversation": {"id": message.conversation_id},
                "from": {"id": self.user(persona)["id"]},
                "replyToId": message.message_id,
            }
            async with self._session.post(
                f"{self.base}/_conversation/v1/invoke", json=body
            ) as response:
                response.raise_for_status()
                answer = await response.json()
            return dict(answer)
        where = "channel" if message.conversation_id == self.channel_id else "personal"
        marker = len(self.log)
        await self._custom(
            persona,
            where,
            {
                "type": "invoke",
                "name": "adaptiveCard/action",
                "value": value,
                "replyToId": message.message_id,
            },
        )
        entry = await self.wait_for_log(
            lambda e: e.get("activityName") == "invoke" and e.get("from") != "User Application",
            after=marker,
        )
        return dict((entry.get("response") or {}).get("body") or {})

    async def refresh(self, message: BotMessage, *, persona: str) -> BotMessage:
        """The card's user-specific view for ``persona``: the refresh invoke Teams sends as a
        card with ``refresh`` is shown (the local client never sends it, PLATFORM.md)."""
        card = message.card
        assert card is not None and "refresh" in card, "that card asks for no refresh"
        action = card["refresh"]["action"]
        answer = await self.execute(
            message, action["verb"], action.get("data"), persona=persona, trigger="automatic"
        )
        return message.showing(answer)

    async def press(
        self,
        message: BotMessage,
        title: str,
        inputs: dict[str, Any] | None = None,
        *,
        persona: str = "practitioner",
    ) -> dict[str, Any]:
        """Fill ``inputs`` by id and press the button titled ``title`` on ``message``'s card."""
        card = message.card
        assert card is not None, "that message has no card"
        action = find_action(card, title)
        ids = input_ids(card)
        unknown = set(inputs or {}) - ids
        assert not unknown, f"the card has no inputs {sorted(unknown)}; it has {sorted(ids)}"
        data = {**current_values(card), **(inputs or {}), **(action.get("data") or {})}
        if action["type"] == "Action.Execute":
            return await self.execute(message, action["verb"], data, persona=persona)
        if action["type"] == "Action.Submit":
            await self.submit(message, data, persona=persona)
            return {}
        raise AssertionError(f"unsupported action type {action['type']}")

    async def submit(
        self, message: BotMessage, value: dict[str, Any], *, persona: str = "practitioner"
    ) -> None:
        """An Action.Submit on ``message``'s card: a message activity carrying ``value``."""
        assert self._session is not None
        if persona == "practitioner":
            body = {
                "conversation": {"id": message.conversation_id},
                "from": {"id": self.user(persona)["id"]},
                "replyToId": message.message_id,
                "value": value,
            }
            async with self._session.post(
                f"{self.base}/_conversation/v1/submit", json=body
            ) as response:
                response.raise_for_status()
            return
        where = "channel" if message.conversation_id.startswith(self.channel_id) else "personal"
        await self._custom(
            persona, where, {"type": "message", "value": value, "replyToId": message.message_id}
        )

    async def event(
        self, fields: dict[str, Any], *, persona: str = "practitioner", where: str = "personal"
    ) -> None:
        """Any activity from ``persona`` (a file, a removal, ...): the client's template for
        the conversation with ``fields`` over it."""
        await self._custom(persona, where, fields)

    async def _custom(self, persona: str, where: str, fields: dict[str, Any]) -> None:
        assert self._session is not None
        conversation = await self.conversation(persona, where)
        async with self._session.get(
            f"{self.base}/_internal/v1/customActivities/template",
            params={"conversationId": conversation},
        ) as response:
            activity = await response.json()
        user = self.user(persona)
        channel_data: dict[str, Any] = {"tenant": {"id": self.tenant}}
        if where == "channel":
            channel_data["team"] = {"id": self.team["id"], "name": self.team["name"]}
            channel_data["channel"] = {"id": self.channel_id}
        if where in ("channel", "group") and fields.get("type") == "message" and fields.get("text"):
            bot = self.config["bot"]
            fields = {
                **fields,
                "text": f"<at>{bot['name']}</at> {fields['text']}",
                "entities": [
                    {
                        "type": "mention",
                        "text": f"<at>{bot['name']}</at>",
                        "mentioned": {"id": bot["id"], "name": bot["name"]},
                    }
                ],
            }
        activity.update(fields)
        activity["id"] = str(uuid.uuid4())
        activity["from"] = {
            "id": user["id"],
            "name": user["name"],
            "aadObjectId": user["aadObjectId"],
        }
        activity["channelData"] = {**channel_data, **(fields.get("channelData") or {})}
        async with self._session.post(
            f"{self.base}/_internal/v1/customActivities", json=activity
        ) as response:
            response.raise_for_status()

    # ----- reading -------------------------------------------------------------------

    def bot_messages(self, conversation_id: str | None = None) -> list[BotMessage]:
        """Every message the bot sent or updated, oldest first (updates in place)."""
        found: dict[tuple[str, str], BotMessage] = {}
        order: list[tuple[str, str]] = []
        for entry in self.log:
            if entry.get("from") != "User Application":
                continue
            body = (entry.get("request") or {}).get("body") or {}
            if body.get("type") != "message":
                continue
            response_body = (entry.get("response") or {}).get("body") or {}
            conv = entry.get("conversationId") or (body.get("conversation") or {}).get("id", "")
            message_id = body.get("id") or response_body.get("id") or entry.get("messageId")
            if not message_id:
                continue
            key = (conv, str(message_id))
            if key in found:
                found[key] = BotMessage(conv, str(message_id), body, updated=True)
            else:
                found[key] = BotMessage(conv, str(message_id), body)
                order.append(key)
        messages = [found[k] for k in order]
        if conversation_id is not None:
            # A channel post's conversation id is the channel's plus ";messageid=<thread>".
            messages = [
                m
                for m in messages
                if m.conversation_id == conversation_id
                or m.conversation_id.startswith(conversation_id + ";")
            ]
        return messages

    async def wait_for_log(
        self, predicate: Any, *, after: int = 0, timeout: float = 20
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for entry in self.log[after:]:
                if predicate(entry):
                    return entry
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no matching exchange in the client's log")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_for_message(
        self,
        predicate: Any,
        *,
        conversation_id: str | None = None,
        after: int = 0,
        timeout: float = 20,
    ) -> BotMessage:
        """The first bot message (from index ``after`` on) that ``predicate`` accepts."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.bot_messages(conversation_id)[after:]:
                if predicate(message):
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [
                    m.text or (m.card or {}).get("fallbackText")
                    for m in self.bot_messages(conversation_id)
                ]
                raise TimeoutError(f"no such bot message; saw {seen}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def count(self, conversation_id: str | None = None) -> int:
        return len(self.bot_messages(conversation_id))


# The card helpers live in tests/cardcheck.py; re-exported for the tests that drive cards.
__all__ = ["BotMessage", "LocalTeams", "card_text", "current_values", "find_action", "input_ids"]
