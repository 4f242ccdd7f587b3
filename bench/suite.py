"""``make bench``: the whole benchmark, in one run, printed as tables and written as JSON.

1. Every kind of turn (bench.turns) against a stock botbuilder echo bot, on SQLite and on
   PostgreSQL, at 1,000, 10,000 and 100,000 cases (bench.data), with the project server's
   peak memory at each.
2. One reminder tick over 1,000, 10,000 and 100,000 open cases (bench.ticks).
3. Several instances on one PostgreSQL behind a round-robin proxy (bench.instances).

``--quick`` measures 1,000 and 10,000 cases only, on SQLite only, with fewer turns. The JSON
goes to ``.bench/results.json`` (or ``--json``). Figures only: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import data, instances, ticks, turns

ROOT = Path(__file__).resolve().parent.parent
SCALES = (1_000, 10_000, 100_000)


def _machine() -> dict[str, Any]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(int(memory) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


async def _status_reference(url: str) -> str:
    """A generated case (not a copy) at the action plan: its personal data opens."""
    from sqlalchemy import text

    from storage import db

    engine = db.create_engine(url)
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(
                text(
                    "SELECT reference FROM cases WHERE stage = 'action_plan' AND id <= :base "
                    "ORDER BY id LIMIT 1"
                ),
                {"base": data.BASE},
            )
    finally:
        await engine.dispose()
    return str(found)


async def _sqlite_run(scale: int) -> tuple[str, Path, Path]:
    """A copy of the prepared file for one measurement (the server adds its own cases)."""
    prepared = await data.prepare_sqlite(scale)
    folder = Path(tempfile.mkdtemp(prefix="crb-bench-run-"))
    shutil.copy(prepared.url.removeprefix("sqlite+aiosqlite:///"), folder / "bench.db")
    shutil.copytree(prepared.var_dir, folder / "var")
    return f"sqlite+aiosqlite:///{folder / 'bench.db'}", folder / "var", folder


TEMPLATE: dict[str, Path] = {}  # the generated cases' PostgreSQL database, made once a run


async def _postgres_run(server: Any, scale: int) -> tuple[str, Path, Path]:
    """A database of ``scale`` cases: a copy of the run's generated cases (made the first
    time), then copies of their rows to make up the number."""
    import asyncpg

    async def sql(statement: str) -> None:
        conn = await asyncpg.connect(host="127.0.0.1", port=server.port, user="postgres")
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    if "var" not in TEMPLATE:
        await sql('CREATE DATABASE "bench_base"')
        folder = Path(tempfile.mkdtemp(prefix="crb-bench-base-"))
        await data.prepare_postgres(server.url("bench_base"), folder / "var", data.BASE)
        TEMPLATE["var"] = folder / "var"
    name = f"bench_{scale}_{int(time.time())}"
    await sql(f'CREATE DATABASE "{name}" TEMPLATE "bench_base"')
    folder = Path(tempfile.mkdtemp(prefix="crb-bench-run-"))
    shutil.copytree(TEMPLATE["var"], folder / "var")
    url = server.url(name)
    await data.copies(url, folder / "var", scale, False)
    return url, folder / "var", folder


async def _turn_suite(
    backends: list[str], scales: list[int], turns_per_row: int, warmup: int, rounds: int
) -> list[dict[str, Any]]:
    echo_process, echo_url = turns.start("echo")
    server = None
    rows: list[dict[str, Any]] = []
    try:
        for backend in backends:
            if backend == "postgres" and server is None:
                from tests.pg import start_postgres

                server = start_postgres()
            for scale in scales:
                started = time.monotonic()
                if backend == "sqlite":
                    url, var_dir, folder = await _sqlite_run(scale)
                else:
                    url, var_dir, folder = await _postgres_run(server, scale)
                prepared_s = time.monotonic() - started
                status_ref = await _status_reference(url)
                measured = await turns.measure(
                    echo_url, url, var_dir, status_ref, turns_per_row, warmup, rounds
                )
                shutil.rmtree(folder, ignore_errors=True)
                echo = measured.results["echo"]
                for name, results in measured.results.items():
                    for result, stock in zip(results, echo, strict=True):
                        rows.append(
                            {
                                "backend": backend,
                                "cases": scale,
                                "turn": name,
                                "concurrency": result.concurrency,
                                "turns_per_s": round(result.rate, 1),
                                "p50_ms": round(result.pct(0.50), 2),
                                "p95_ms": round(result.pct(0.95), 2),
                                "vs_echo": round(result.rate / stock.rate, 2),
                                "server_peak_mib": round(measured.peak_mib, 1),
                                "prepared_s": round(prepared_s, 1),
                            }
                        )
                print(
                    _turn_table([r for r in rows if (r["backend"], r["cases"]) == (backend, scale)])
                )
    finally:
        echo_process.terminate()
        echo_process.wait(timeout=10)
        if server is not None:
            server.stop()
    return rows


def _turn_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    first = rows[0]
    lines = [
        f"\nTurns over HTTP, {first['backend']}, {first['cases']:,} cases "
        f"(project server peak {first['server_peak_mib']:.0f} MiB)",
        f"{'turn':<28}{'conc':>5}{'turns/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'vs echo':>9}",
    ]
    for row in rows:
        lines.append(
            f"{turns.LABELS[row['turn']]:<28}{row['concurrency']:>5}{row['turns_per_s']:>10.1f}"
            f"{row['p50_ms']:>9.2f}{row['p95_ms']:>9.2f}{row['vs_echo']:>8.2f}x"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1k and 10k, SQLite, fewer turns")
    parser.add_argument("--turns", type=int, default=0, help="turns per row and concurrency")
    parser.add_argument("--only", choices=("turns", "ticks", "instances"), default=None)
    parser.add_argument("--json", type=Path, default=data.CACHE / "results.json")
    args = parser.parse_args()
    scales = list(SCALES[:2] if args.quick else SCALES)
    backends = ["sqlite"] if args.quick else ["sqlite", "postgres"]
    per_row = args.turns or (120 if args.quick else 300)
    results: dict[str, Any] = {"machine": _machine(), "started": time.strftime("%Y-%m-%d %H:%M")}
    if args.only in (None, "turns"):
        results["turns"] = asyncio.run(_turn_suite(backends, scales, per_row, 30, 3))
    if args.only in (None, "ticks"):
        results["ticks"] = [ticks.measure(count) for count in scales]
        print("\n" + "\n".join(ticks.table(results["ticks"])))
    if args.only in (None, "instances") and not args.quick:
        results["instances"] = instances.measure(per_row)
        print("\n" + "\n".join(instances.table(results["instances"])))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(f"\nWritten: {args.json}")


if __name__ == "__main__":
    main()
