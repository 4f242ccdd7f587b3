"""``make bench``, several instances: 1, 2 and 4 bot processes on one PostgreSQL database,
behind a small round-robin proxy on loopback, in one run. Reported: the throughput of a mix of
turns (``help``, ``status``, ``cases``, the chair's press) through the proxy at concurrency
8, for each number of instances; then two checks across the four: every case pressed twice at
once (the two presses through different instances) has one recommendation recorded, and four
``tick`` processes started together for the same morning queue each reminder once between
them. Figures only.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench import data, turns

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1, 2, 4)
CASES = 10_000


async def _proxy(backends: list[str]) -> tuple[web.AppRunner, str]:
    """Round robin over ``backends``, each request to the next (loopback only)."""
    order = itertools.cycle(backends)
    client = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        async with client.post(
            next(order), data=body, headers={"Content-Type": "application/json"}
        ) as answer:
            return web.Response(
                body=await answer.read(), status=answer.status, content_type="application/json"
            )

    async def close(_: web.Application) -> None:
        await client.close()

    app = web.Application()
    app.router.add_post("/api/messages", forward)
    app.on_cleanup.append(close)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = turns.free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}/api/messages"


async def _run(per_size: int) -> dict[str, Any]:
    import asyncpg

    from tests.pg import start_postgres

    server = start_postgres()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        conn = await asyncpg.connect(host="127.0.0.1", port=server.port, user="postgres")
        await conn.execute('CREATE DATABASE "instances"')
        await conn.close()
        url = server.url("instances")
        var_dir = Path(tempfile.mkdtemp(prefix="crb-instances-")) / "var"
        await data.prepare_postgres(url, var_dir, CASES)
        status_ref = await _reference(url, "action_plan")
        seeded_file = var_dir.parent / "seeded.json"
        env = {"BENCH_DATABASE_URL": url, "BENCH_VAR_DIR": str(var_dir)}
        first, first_url = turns.start(
            "project",
            {**env, "BENCH_CASES": str(per_size * 3 + 200), "BENCH_SEEDED": str(seeded_file)},
        )
        processes.append(first)
        seeded = await turns.wait_for(seeded_file, first)
        urls = [first_url]
        for _ in range(max(SIZES) - 1):
            process, other = turns.start("project", {**env, "BENCH_CASES": "0"})
            processes.append(process)
            urls.append(other)
        presses = iter(seeded["chair"])
        chair = turns.chair_press(seeded["chair"][: per_size * 3])
        mix = [
            lambda i: turns.activity("help", i),
            lambda i: turns.activity(f"status {status_ref}", i),
            lambda i: turns.activity("cases", i),
            chair,
        ]
        counter = itertools.count()

        def turn(worker: int) -> dict[str, Any]:
            return dict(mix[next(counter) % len(mix)](worker))

        rows = []
        for size in SIZES:
            runner, proxy_url = await _proxy(urls[:size])
            try:
                await turns.drive(proxy_url, turn, 8, 20)
                seconds, latencies = await turns.drive(proxy_url, turn, 8, per_size)
            finally:
                await runner.cleanup()
            result = turns.Result("mix", 8, per_size, seconds, latencies)
            rows.append(
                {
                    "instances": size,
                    "turns_per_s": round(result.rate, 1),
                    "p50_ms": round(result.pct(0.5), 2),
                    "p95_ms": round(result.pct(0.95), 2),
                }
            )
        for _ in range(per_size * 3):
            next(presses)
        twice = await _press_twice(urls, url, list(itertools.islice(presses, 100)))
        ticked = await _ticks_together(env, url)
        return {"throughput": rows, "pressed_twice": twice, "ticks": ticked}
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        server.stop()


async def _reference(url: str, stage: str) -> str:
    from sqlalchemy import text

    from storage import db

    engine = db.create_engine(url)
    try:
        async with engine.connect() as conn:
            return str(
                await conn.scalar(
                    text("SELECT reference FROM cases WHERE stage = :s AND id <= :b LIMIT 1"),
                    {"s": stage, "b": data.BASE},
                )
            )
    finally:
        await engine.dispose()


async def _press_twice(urls: list[str], db_url: str, references: list[str]) -> dict[str, int]:
    """Each case's chair's button pressed twice at once, through two different instances."""
    async with aiohttp.ClientSession() as session:

        async def one(url: str, reference: str, worker: int) -> None:
            body = turns.chair_press([reference])(worker)
            async with session.post(url, json=body) as answer:
                await answer.read()

        await asyncio.gather(
            *(
                one(urls[(n + k) % len(urls)], reference, k)
                for n, reference in enumerate(references)
                for k in (0, 1)
            )
        )
    counts = await _scalars(
        db_url,
        "SELECT count(*) FROM decisions d JOIN cases c ON c.id = d.case_id "
        "WHERE d.kind = 'chair_recommendation' AND c.reference = ANY(:refs) "
        "GROUP BY c.reference",
        {"refs": references},
    )
    return {
        "cases": len(references),
        "with_one_recommendation": sum(1 for n in counts if n == 1),
        "recorded_twice": sum(1 for n in counts if n > 1),
    }


async def _scalars(url: str, query: str, params: dict[str, Any]) -> list[int]:
    from sqlalchemy import text

    from storage import db

    engine = db.create_engine(url)
    try:
        async with engine.connect() as conn:
            return [int(row[0]) for row in await conn.execute(text(query), params)]
    finally:
        await engine.dispose()


async def _ticks_together(env: dict[str, str], url: str) -> dict[str, Any]:
    """Four ``tick`` processes for the same morning at once: each reminder queued once."""
    command = [sys.executable, "-m", "bot", "tick", "--now", "2026-12-01T09:30:00+00:00"]
    tick_env = {
        "DATABASE_URL": url,
        "BOT_MODE": "local",
        "ALLOWED_TENANT_ID": turns.TENANT,
        "VAR_DIR": env["BENCH_VAR_DIR"],
        "CASE_REVIEW_CHANNEL_ID": "19:bench",
        "PYTHONPATH": str(ROOT),
    }
    (before,) = await _scalars(url, "SELECT count(*) FROM outbox", {})
    started = [
        await asyncio.create_subprocess_exec(
            *command,
            cwd=ROOT,
            env={**os.environ, **tick_env},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for _ in range(4)
    ]
    outputs = [(await p.communicate())[0].decode() for p in started]
    queued = [int(m.group(1)) for o in outputs if (m := re.search(r"(\d+) newly queued", o))]
    (after,) = await _scalars(url, "SELECT count(*) FROM outbox", {})
    # Every message queued (reminders, digests and decision prompts) is one outbox row: the
    # four counts add up to the rows that are new when none was queued twice.
    return {"processes": len(started), "queued_by_each": queued, "new_rows": after - before}


def measure(per_size: int) -> dict[str, Any]:
    started = time.monotonic()
    found = asyncio.run(_run(per_size))
    found["seconds"] = round(time.monotonic() - started, 1)
    return found


def table(found: dict[str, Any]) -> list[str]:
    lines = [
        f"Instances on one PostgreSQL, behind a round-robin proxy ({CASES:,} cases, a mix of "
        "help, status, cases and the chair's press, concurrency 8)",
        f"{'instances':>10}{'turns/s':>10}{'p50 ms':>9}{'p95 ms':>9}",
    ]
    for row in found["throughput"]:
        lines.append(
            f"{row['instances']:>10}{row['turns_per_s']:>10.1f}{row['p50_ms']:>9.2f}"
            f"{row['p95_ms']:>9.2f}"
        )
    twice = found["pressed_twice"]
    ticks = found["ticks"]
    lines.append(
        f"Pressed twice at once on two instances: {twice['cases']} cases, "
        f"{twice['with_one_recommendation']} with one recommendation, "
        f"{twice['recorded_twice']} recorded twice."
    )
    lines.append(
        f"Four ticks at once: queued {ticks['queued_by_each']} "
        f"(sum {sum(ticks['queued_by_each'])}), new outbox rows {ticks['new_rows']}."
    )
    return lines
