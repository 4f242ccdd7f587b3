"""``make bench``, the turns: every kind of turn through the HTTP endpoint (``deliveryMode:
expectReplies``; a card press as an ``Action.Execute`` invoke), against a stock botbuilder echo
bot in the same run, at concurrency 1 and 8, alternating in rounds so that drift in the
machine's load falls on all alike. Reports turns per second, p50 and p95, each turn's ratio
to the echo bot, and the project server's peak memory. ``bench.suite`` runs it at each scale
and on each database; figures only: nothing here passes or fails.

The turns: ``help`` (a card); the resume card (``refer`` with a referral in progress: a draft
read and decrypted); a wizard step (``Next`` on the referral's first step: checked, encrypted,
saved, the next card rendered); the chair's press on the decision prompt (each press decides
another case the server made at scoping: locked, checked, recorded, moved, the channel's cards
and the director's card queued); ``chronology`` (a case with ten agencies' returns, 300
entries, decrypted, merged, the first page rendered, the view audited); ``status`` of a case
at the action plan (its summary, the personal data decrypted for the chair); ``cases``,
``overdue`` and ``deadlines`` (counted and the first 20 listed, in SQL).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
TENANT = "00000000-0000-4000-8000-00000000b0d5"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _base(worker: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "channelId": "msteams",
        "serviceUrl": "http://127.0.0.1:9/",  # never called: expectReplies, invoke answers
        "from": {
            "id": f"29:bench-user-{worker}",
            "name": "Bench User",
            "aadObjectId": f"00000000-0000-4000-8000-0000000000{worker:02d}",
        },
        "recipient": {"id": "28:bot", "name": "Bot"},
        "conversation": {
            "id": f"a:bench-conversation-{worker}",
            "conversationType": "personal",
            "tenantId": TENANT,
        },
        "channelData": {"tenant": {"id": TENANT}},
    }


def activity(text: str, worker: int = 0) -> dict[str, Any]:
    return {**_base(worker), "type": "message", "text": text, "deliveryMode": "expectReplies"}


def press(verb: str, data: dict[str, Any], worker: int) -> dict[str, Any]:
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
    return {**_base(worker), "type": "invoke", "name": "adaptiveCard/action", "value": value}


Turn = Any  # (worker index) -> the activity to post


@dataclass
class Result:
    name: str
    concurrency: int
    turns: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.turns / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _answered(body: dict[str, Any]) -> bool:
    if body.get("activities"):
        return True  # expectReplies
    value = body.get("value")
    return body.get("statusCode") == 200 and isinstance(value, dict)  # an invoke's card


async def drive(url: str, turn: Turn, concurrency: int, turns: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    remaining = turns
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def worker(index: int) -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                async with session.post(url, json=turn(index)) as response:
                    body = await response.json()
                    if response.status != 200 or not _answered(body):
                        raise RuntimeError(f"bad answer {response.status}: {body}")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        return time.perf_counter() - started, latencies


async def open_drafts(url: str, workers: int) -> dict[int, str]:
    """Each worker's referral draft (its first ``refer``), by worker index."""
    found: dict[int, str] = {}
    async with aiohttp.ClientSession() as session:
        for index in range(workers):
            async with session.post(url, json=activity("refer", index)) as response:
                body = await response.json()
            card = body["activities"][0]["attachments"][0]["content"]
            found[index] = str(card["actions"][0]["data"]["draft_id"])
    return found


LABELS = {
    "echo": "stock echo (botbuilder)",
    "help": "help",
    "resume": "resume card",
    "step": "wizard step",
    "chair": "chair's press",
    "chronology": "chronology (300 entries)",
    "status": "status",
    "cases": "cases",
    "overdue": "overdue",
    "deadlines": "deadlines",
}


def start(kind: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix=f"crb-bench-{kind}-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.servers", kind, str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=log,  # a file, not a pipe: a pipe nobody reads would fill and stall the server
    )
    url = f"http://127.0.0.1:{port}/api/messages"
    deadline = time.monotonic() + 600  # seeding the chair's cases takes a while
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, url
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(Path(log.name).read_text()) from None
            time.sleep(0.1)
    raise RuntimeError(f"{kind} server did not start")


def peak_memory_mib(process: subprocess.Popen[bytes]) -> float:
    """The process's peak resident memory so far (Linux: VmHWM), in MiB."""
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def chair_press(references: list[str]) -> Turn:
    """The chair's button on the decision prompt (Action.Execute), each press deciding the
    next case made at scoping for it."""
    made = iter(references)

    def turn(worker: int) -> dict[str, Any]:
        data = {"case": next(made), "outcome": "notify", "rationale": "Bench rationale."}
        return {
            **press("chair.recommend", data, worker),
            "channelData": {
                "tenant": {"id": TENANT},
                "channel": {"id": "19:bench"},
                "team": {"id": "19:bench"},
            },
        }

    return turn


def _seeded(path: Path) -> dict[str, Any] | None:
    text = path.read_text() if path.exists() else ""
    return dict(json.loads(text)) if text else None


async def wait_for(path: Path, process: subprocess.Popen[bytes]) -> dict[str, Any]:
    """What the project server made for the bench (it writes the file once it has)."""
    while (found := _seeded(path)) is None:
        if process.poll() is not None:
            raise RuntimeError("the project server stopped while seeding")
        await asyncio.sleep(0.2)
    return found


@dataclass
class Measured:
    results: dict[str, list[Result]]
    peak_mib: float


async def measure(
    echo_url: str,
    database_url: str,
    var_dir: Path,
    status_ref: str,
    turns: int,
    warmup: int,
    rounds: int,
) -> Measured:
    """The turn rows on the project server over ``database_url``, alternating with the echo bot."""
    seeded_file = Path(tempfile.mkdtemp(prefix="crb-bench-")) / "seeded.json"
    presses = warmup + 2 * turns + 20
    project_process, project_url = start(
        "project",
        {
            "BENCH_DATABASE_URL": database_url,
            "BENCH_VAR_DIR": str(var_dir),
            "BENCH_CASES": str(presses),
            "BENCH_SEEDED": str(seeded_file),
        },
    )
    try:
        seeded = await wait_for(seeded_file, project_process)
        drafts = await open_drafts(project_url, 8)
        chronology = seeded["chronology"]
        first_step = {"section": "criteria", "rows": 0, "return": ""}
        rows: list[tuple[str, str, Turn]] = [
            ("echo", echo_url, lambda i: activity("hello", i)),
            ("help", project_url, lambda i: activity("help", i)),
            ("resume", project_url, lambda i: activity("refer", i)),
            (
                "step",
                project_url,
                lambda i: press(
                    "referral.next",
                    {
                        **first_step,
                        "draft_id": drafts[i],
                        "immediate_risk": "no",
                        "must_notify": "serious_sexual_abuse",
                    },
                    i,
                ),
            ),
            ("chair", project_url, chair_press(seeded["chair"])),
            (
                "chronology",
                project_url,
                lambda i: activity(f"chronology {chronology}", i),
            ),
            ("status", project_url, lambda i: activity(f"status {status_ref}", i)),
            ("cases", project_url, lambda i: activity("cases", i)),
            ("overdue", project_url, lambda i: activity("overdue", i)),
            ("deadlines", project_url, lambda i: activity("deadlines", i)),
        ]
        for _, url, turn in rows:
            await drive(url, turn, 1, warmup)
        results: dict[tuple[str, int], Result] = {}
        per_round = max(1, turns // rounds)
        for concurrency in (1, 8):
            for _ in range(rounds):
                for name, url, turn in rows:
                    seconds, latencies = await drive(url, turn, concurrency, per_round)
                    result = results.setdefault(
                        (name, concurrency), Result(name, concurrency, 0, 0.0, [])
                    )
                    result.turns += per_round
                    result.seconds += seconds
                    result.latencies += latencies
        return Measured(
            {name: [results[(name, c)] for c in (1, 8)] for name, _, _ in rows},
            peak_memory_mib(project_process),
        )
    finally:
        project_process.terminate()
        project_process.wait(timeout=30)
