"""``make bench``: this project's turns against a stock botbuilder echo bot.

The project's turns: ``help`` (a card), the resume card (``refer`` with a referral already
in progress: a draft read and decrypted), and a wizard step (``Next`` with valid input on the
referral's first step, as an ``Action.Execute`` invoke: checked, encrypted, saved, the next
card rendered), and the chair's button press on the decision prompt (``chair.recommend``:
each press decides the next of the cases the project server seeds at scoping). Both servers
run in their own process and are driven through the same HTTP path by the same client, in the
same run, at concurrency 1 and 8, alternating in rounds. ``chronology``: the merged
chronology of a case with ten agencies' returns, 300 entries (decrypted, merged, sorted, the
first page rendered, the view audited). ``status`` and ``cases``: with 10,000 open cases
(``status`` on one of them; ``cases``: all of them counted and the 20 most urgent listed).
Prints turns per second, p50 and p95 latency, and each turn's ratio to the echo bot.
Figures only: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
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
    "help": "project help turn",
    "resume": "project resume card",
    "step": "project wizard step",
    "chair": "project chair's press",
    "chronology": "project chronology (300)",
    "status": "project status (10k cases)",
    "cases": "project cases (10k cases)",
}
STATUS_CASES = 10_000


def start(kind: str, cases: int = 0) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix=f"crb-bench-{kind}-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.servers", kind, str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "BENCH_CASES": str(cases)},
        stdout=subprocess.DEVNULL,
        stderr=log,  # a file, not a pipe: a pipe nobody reads would fill and stall the server
    )
    url = f"http://127.0.0.1:{port}/api/messages"
    deadline = time.monotonic() + 60 + cases * 0.1  # seeding cases takes a while
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, url
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(Path(log.name).read_text()) from None
            time.sleep(0.1)
    raise RuntimeError(f"{kind} server did not start")


_PRESSES = iter(range(1, 10**6))


def chair_press(worker: int) -> dict[str, Any]:
    """The chair's button on the decision prompt (Action.Execute), each press deciding the
    next seeded case at scoping: the case locked, checked, the decision recorded, the case
    moved, the channel's cards and the director's card queued."""
    reference = f"BR-{time.gmtime().tm_year}-{next(_PRESSES):04d}"
    data = {"case": reference, "outcome": "notify", "rationale": "Bench rationale."}
    return {
        **press("chair.recommend", data, worker),
        "channelData": {
            "tenant": {"id": TENANT},
            "channel": {"id": "19:bench"},
            "team": {"id": "19:bench"},
        },
    }


async def measure_all(turns: int, warmup: int, rounds: int) -> dict[str, list[Result]]:
    """Both servers up at once; measurements alternate between the turns in rounds, so drift
    in the machine's load falls on all alike."""
    echo_process, echo_url = start("echo")
    # The chair's cases (each press decides one), and as many more as make 10,000 open cases
    # for status and cases; the chronology's case comes after them.
    cases = max(warmup + 2 * turns + 20, STATUS_CASES)
    project_process, project_url = start("project", cases=cases)
    year = time.gmtime().tm_year
    try:
        drafts = await open_drafts(project_url, 8)
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
            ("chair", project_url, chair_press),
            (
                "chronology",
                project_url,
                lambda i: activity(f"chronology BR-{year}-{cases + 1:04d}", i),
            ),
            ("status", project_url, lambda i: activity(f"status BR-{year}-{cases:04d}", i)),
            ("cases", project_url, lambda i: activity("cases", i)),
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
        return {name: [results[(name, c)] for c in (1, 8)] for name, _, _ in rows}
    finally:
        for process in (echo_process, project_process):
            process.terminate()
            process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=600, help="turns per measurement")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4, help="alternations per row")
    args = parser.parse_args()
    measured = asyncio.run(measure_all(args.turns, args.warmup, args.rounds))
    print(
        f"Turn benchmark: {args.turns} turns per row in {args.rounds} alternating rounds, "
        f"over HTTP, {os.cpu_count()} cores"
    )
    print(f"{'turn':<28}{'conc':>5}{'turns/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'vs echo':>9}")
    for name, results in measured.items():
        for result, stock in zip(results, measured["echo"], strict=True):
            ratio = result.rate / stock.rate
            print(
                f"{LABELS[name]:<28}{result.concurrency:>5}{result.rate:>10.1f}"
                f"{result.pct(0.50):>9.2f}{result.pct(0.95):>9.2f}{ratio:>8.2f}x"
            )


if __name__ == "__main__":
    main()
