"""``python -m bench.report [results.json]``: the suite's JSON as Markdown tables (for
docs/performance.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.turns import LABELS

DEFAULT = Path(__file__).resolve().parent.parent / ".bench" / "results.json"


def turns_table(rows: list[dict[str, Any]]) -> list[str]:
    """One row per turn and concurrency; a column group per database and scale."""
    groups = sorted(
        {(r["backend"], r["cases"]) for r in rows}, key=lambda g: (g[0] != "sqlite", g[1])
    )
    head = (
        "| turn | conc | "
        + " | ".join(f"{b} {c:,}: turns/s, p95 ms, vs echo" for b, c in groups)
        + " |"
    )
    lines = [head, "| --- | --- | " + " | ".join("---" for _ in groups) + " |"]
    by = {(r["backend"], r["cases"], r["turn"], r["concurrency"]): r for r in rows}
    for turn in LABELS:
        for conc in (1, 8):
            cells = []
            for backend, cases in groups:
                r = by.get((backend, cases, turn, conc))
                cells.append(
                    f"{r['turns_per_s']:.0f}, {r['p95_ms']:.1f}, **{r['vs_echo']:.2f}x**"
                    if r
                    else ""
                )
            if any(cells):
                lines.append(f"| {LABELS[turn]} | {conc} | " + " | ".join(cells) + " |")
    peaks = {(r["backend"], r["cases"]): r["server_peak_mib"] for r in rows}
    lines.append("")
    lines.append(
        "Peak memory of the bot process: "
        + "; ".join(f"{b} {c:,} cases {peaks[(b, c)]:.0f} MiB" for b, c in groups)
        + "."
    )
    return lines


def ticks_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| open cases | messages queued | reminders due | first tick of the day, s "
        "| a later tick, s | peak MiB |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['open_cases']:,} | {r['queued']:,} | {r['reminders_due']:,} | "
            f"{r['first_tick_s']:.2f} | {r['later_tick_s']:.2f} | {r['peak_mib']:.0f} |"
        )
    return lines


def instances_table(found: dict[str, Any]) -> list[str]:
    lines = ["| instances | turns/s | p50 ms | p95 ms |", "| --- | --- | --- | --- |"]
    for r in found["throughput"]:
        lines.append(
            f"| {r['instances']} | {r['turns_per_s']:.1f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} |"
        )
    twice, ticks = found["pressed_twice"], found["ticks"]
    lines += [
        "",
        f"Pressed twice at once through two instances: {twice['cases']} cases, "
        f"{twice['with_one_recommendation']} with one recommendation, "
        f"{twice['recorded_twice']} recorded twice. Four `tick` processes at once for the same "
        f"morning: newly queued {ticks['queued_by_each']} (sum {sum(ticks['queued_by_each'])}), "
        f"{ticks['new_rows']} new rows in the outbox.",
    ]
    return lines


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    found = json.loads(path.read_text())
    machine = found["machine"]
    print(
        f"Machine: {machine['cpus']} cores ({machine['cpu']}), {machine['memory_gib']} GiB, "
        f"Python {machine['python']}, {machine['system']}; run {found['started']}.\n"
    )
    if "turns" in found:
        print("\n".join(turns_table(found["turns"])) + "\n")
    if "ticks" in found:
        print("\n".join(ticks_table(found["ticks"])) + "\n")
    if "instances" in found:
        print("\n".join(instances_table(found["instances"])))


if __name__ == "__main__":
    main()
