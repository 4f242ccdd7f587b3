"""A stand-in for the Bot Connector service, so HTTP tests see what the bot sends proactively."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TENANT = "00000000-0000-4000-8000-00000000b0d5"

MEMBERS = [
    {
        "id": "29:practitioner",
        "name": "Priya Shah",
        "aadObjectId": "00000000-0000-4000-8000-000000000101",
    },
    {"id": "29:chair", "name": "Chris Holt", "aadObjectId": "00000000-0000-4000-8000-000000000102"},
    {
        "id": "29:business-unit",
        "name": "Bea Umar",
        "aadObjectId": "00000000-0000-4000-8000-000000000103",
    },
    {
        "id": "29:police",
        "name": "Paul Okafor",
        "aadObjectId": "00000000-0000-4000-8000-000000000104",
    },
    {
        "id": "29:local-authority",
        "name": "Laura Ahmed",
        "aadObjectId": "00000000-0000-4000-8000-000000000105",
    },
    {
        "id": "29:health",
        "name": "Hannah Ibe",
        "aadObjectId": "00000000-0000-4000-8000-000000000106",
    },
]


@dataclass
class Sent:
    conversation_id: str
    activity: dict[str, Any]
    activity_id: str
    updated: bool = False
    at: float = field(default_factory=time.monotonic)  # when it arrived (this process's clock)


@dataclass
class FakeConnector:
    url: str = ""
    sent: list[Sent] = field(default_factory=list)
    conversations: dict[str, str] = field(default_factory=dict)  # member id -> conversation id
    fail_next: list[int] = field(default_factory=list)  # statuses to answer with, in order
    retry_after: str = "1"  # the Retry-After those failures carry
    # (conversation, status, when) of each failure answered
    refused: list[tuple[str, int, float]] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)  # each send's Authorization header
    fail_updates: list[int] = field(default_factory=list)  # statuses for the next updates
    member_gate: Any = None  # an asyncio.Event the member lookup waits for, when set
    hang_sends: bool = False  # sends never answer (a sender killed mid-send); not recorded
    hung: int = 0  # sends left hanging so far
    send_delay: float = 0.0  # seconds each send takes to be answered (a slow Teams)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/pagedmembers", self._members)
        app.router.add_get("/v3/conversations/{cid}/members/{mid}", self._member)
        return app

    def _maybe_fail(self, conversation: str = "") -> web.Response | None:
        if self.fail_next:
            status = self.fail_next.pop(0)
            self.refused.append((conversation, status, time.monotonic()))
            return web.json_response(
                {"error": {"code": "Throttled", "message": "slow down"}},
                status=status,
                headers={"Retry-After": self.retry_after},
            )
        return None

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        member = body["members"][0]["id"]
        conversation = self.conversations.setdefault(member, f"a:1on1-{member}")
        activity = body.get("activity")
        if activity:
            self.sent.append(Sent(conversation, activity, str(next(self._ids))))
        return web.json_response({"id": conversation, "activityId": ""})

    async def _send(self, request: web.Request) -> web.Response:
        if self.hang_sends:
            self.hung += 1
            await asyncio.Event().wait()  # never answered; cancelled when the server stops
        if self.send_delay:
            await asyncio.sleep(self.send_delay)
        failed = self._maybe_fail(request.match_info["cid"])
        if failed is not None:
            return failed
        activity_id = f"act-{next(self._ids)}"
        self.authorizations.append(request.headers.get("Authorization", ""))
        self.sent.append(Sent(request.match_info["cid"], await request.json(), activity_id))
        return web.json_response({"id": activity_id})

    async def _update(self, request: web.Request) -> web.Response:
        if self.fail_updates:
            return web.json_response(
                {"error": {"code": "ServiceError", "message": "update failed"}},
                status=self.fail_updates.pop(0),
            )
        self.sent.append(
            Sent(
                request.match_info["cid"],
                await request.json(),
                request.match_info["aid"],
                updated=True,
            )
        )
        return web.json_response({"id": request.match_info["aid"]})

    async def _members(self, request: web.Request) -> web.Response:
        return web.json_response({"members": [{**m, "tenantId": TENANT} for m in MEMBERS]})

    async def _member(self, request: web.Request) -> web.Response:
        if self.member_gate is not None:
            await self.member_gate.wait()
        for member in MEMBERS:
            if member["id"] == request.match_info["mid"]:
                email = member["name"].lower().replace(" ", ".") + "@example.org"
                return web.json_response({**member, "email": email, "tenantId": TENANT})
        return web.json_response({"error": {"code": "NotFound"}}, status=404)

    def to(self, conversation_prefix: str) -> list[Sent]:
        return [s for s in self.sent if s.conversation_id.startswith(conversation_prefix)]
