"""``make bench``: this project's ``help`` turn against a stock botbuilder echo bot.

Both servers run in their own process and are driven through the same HTTP path
(``POST /api/messages`` with ``deliveryMode: expectReplies``) by the same client, in the same
run, at concurrency 1 and 8. Prints turns per second, p50 and p95 latency, and the ratios.
Figures only: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
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


def activity(text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": str(uuid.uuid4()),
        "channelId": "msteams",
        "serviceUrl": "http://127.0.0.1:9/",  # never called: expectReplies
        "from": {
            "id": "29:bench-user",
            "name": "Bench User",
            "aadObjectId": "00000000-0000-4000-8000-0000000000be",
        },
        "recipient": {"id": "28:bot", "name": "Bot"},
        "conversation": {
            "id": "a:bench-conversation",
            "conversationType": "personal",
            "tenantId": TENANT,
        },
        "channelData": {"tenant": {"id": TENANT}},
        "text": text,
        "deliveryMode": "expectReplies",
    }


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


async def drive(url: str, text: str, concurrency: int, turns: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    remaining = turns
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                async with session.post(url, json=activity(text)) as response:
                    body = await response.json()
                    if response.status != 200 or not body.get("activities"):
                        raise RuntimeError(f"bad answer {response.status}: {body}")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, latencies


def start(kind: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.servers", kind, str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/api/messages"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, url
        except OSError:
            if process.poll() is not None:
                message = process.stderr.read().decode() if process.stderr else "exited"
                raise RuntimeError(message) from None
            time.sleep(0.1)
    raise RuntimeError(f"{kind} server did not start")


async def measure_both(turns: int, warmup: int, rounds: int) -> tuple[list[Result], list[Result]]:
    """Both servers up at once; measurements alternate between them in rounds, so drift in
    the machine's load falls on both alike."""
    echo_process, echo_url = start("echo")
    project_process, project_url = start("project")
    try:
        await drive(echo_url, "hello", 1, warmup)
        await drive(project_url, "help", 1, warmup)
        results: dict[tuple[str, int], Result] = {}
        per_round = max(1, turns // rounds)
        for concurrency in (1, 8):
            for _ in range(rounds):
                for name, url, text in (
                    ("echo", echo_url, "hello"),
                    ("project", project_url, "help"),
                ):
                    seconds, latencies = await drive(url, text, concurrency, per_round)
                    result = results.setdefault(
                        (name, concurrency), Result(name, concurrency, 0, 0.0, [])
                    )
                    result.turns += per_round
                    result.seconds += seconds
                    result.latencies += latencies
        return ([results[("echo", c)] for c in (1, 8)], [results[("project", c)] for c in (1, 8)])
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
    echo, project = asyncio.run(measure_both(args.turns, args.warmup, args.rounds))
    print(
        f"Turn benchmark: {args.turns} turns per row in {args.rounds} alternating rounds, "
        f"expectReplies over HTTP, {os.cpu_count()} cores"
    )
    print(f"{'server':<28}{'conc':>5}{'turns/s':>10}{'p50 ms':>9}{'p95 ms':>9}")
    for result in echo + project:
        label = "stock echo (botbuilder)" if result.name == "echo" else "project help turn"
        print(
            f"{label:<28}{result.concurrency:>5}{result.rate:>10.1f}"
            f"{result.pct(0.50):>9.2f}{result.pct(0.95):>9.2f}"
        )
    for stock, ours in zip(echo, project, strict=True):
        print(
            f"concurrency {stock.concurrency}: throughput ratio project/stock = "
            f"{ours.rate / stock.rate:.2f}x; p50 ratio stock/project = "
            f"{stock.pct(0.5) / ours.pct(0.5):.2f}x"
        )


if __name__ == "__main__":
    main()
