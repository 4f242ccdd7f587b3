"""The command line: deadlines for the business unit, audit verify."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def test_deadlines_prints_every_milestone_with_day_and_date() -> None:
    result = run("deadlines", "--from", "2026-12-24")
    assert result.returncode == 0, result.stderr
    assert "Day 1 is 24 Dec 2026" in result.stdout
    assert (
        "4 Jan 2027   Local Authority's decision and notification to the national Panel (statutory)"
        in result.stdout
    )


def test_deadlines_json(tmp_path: Path) -> None:
    result = run("deadlines", "--from", "2027-03-24", "--json")
    data = json.loads(result.stdout)
    rows = {m["key"]: m for m in data["milestones"]}
    assert len(rows) == 14
    assert (rows["rapid_review_meeting"]["day"], rows["rapid_review_meeting"]["due"]) == (
        15,
        "2027-04-15",
    )


def test_deadlines_follow_the_configured_file(tmp_path: Path) -> None:
    edited = (ROOT / "config" / "timetable.toml").read_text().replace("day = 20", "day = 22")
    path = tmp_path / "t.toml"
    path.write_text(edited)
    data = json.loads(
        run("deadlines", "--from", "2026-12-24", "--json", env={"TIMETABLE_FILE": str(path)}).stdout
    )
    rows = {m["key"]: m for m in data["milestones"]}
    assert (rows["report_to_panel"]["day"], rows["report_to_panel"]["due"]) == (22, "2027-01-27")


def test_a_bad_timetable_names_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        (ROOT / "config" / "timetable.toml").read_text().replace("day = 20", "day = -2")
    )
    result = run("deadlines", "--from", "2026-12-24", env={"TIMETABLE_FILE": str(path)})
    assert result.returncode == 2
    assert "report_to_panel): day must be 1 or more" in result.stderr


def test_bad_date_is_explained() -> None:
    result = run("deadlines", "--from", "24/12/2026")
    assert result.returncode == 2
    assert "is not a date (write YYYY-MM-DD)" in result.stderr


def test_audit_verify_names_the_edited_row(tmp_path: Path) -> None:
    import sqlite3

    url = f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"
    env = {
        "DATABASE_URL": url,
        "BOOTSTRAP_ADMINS": "a1,a2,a3",
        "BOT_MODE": "local",
        "ALLOWED_TENANT_ID": "t",
        "VAR_DIR": str(tmp_path / "var"),
    }
    # Start-up grants the bootstrap admins: three audited entries.
    code = (
        "import asyncio\nfrom bot.app import create_app\nfrom bot.settings import Settings\n"
        "from aiohttp.test_utils import TestServer\n"
        "async def main():\n"
        "    s = TestServer(create_app(Settings.from_env()))\n"
        "    await s.start_server(); await s.close()\n"
        "asyncio.run(main())\n"
    )
    made = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    ok = run("audit", "verify", env=env)
    assert ok.returncode == 0, ok.stderr
    assert "Audit log intact: 3 entries checked, each signed." in ok.stdout

    conn = sqlite3.connect(tmp_path / "a.db")
    conn.execute("DROP TRIGGER audit_events_no_update")
    conn.execute("UPDATE audit_events SET actor_aad_id = 'someone-else' WHERE seq = 2")
    conn.commit()
    conn.close()
    broken = run("audit", "verify", env=env)
    assert broken.returncode == 1
    assert "Audit log BROKEN at entry 2" in broken.stdout


def test_the_operators_data_commands_answer_in_words(tmp_path: Path) -> None:
    """``audit export``, ``audit check``, ``audit key``, ``purge`` and ``key rotate`` wired to
    the command line (what they do is tested in tests/storage/test_retention.py)."""
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
        "BOT_MODE": "local",
        "ALLOWED_TENANT_ID": "t",
        "VAR_DIR": str(tmp_path / "var"),
    }
    missing = run("audit", "export", "BR-2026-0099", "--out", str(tmp_path), env=env)
    assert missing.returncode == 1 and "There is no case BR-2026-0099." in missing.stdout
    key = run("audit", "key", env=env)
    assert key.returncode == 0 and "Fingerprint: " in key.stdout
    dry = run("purge", "--closed-before", "2026-01-01", "--dry-run", env=env)
    assert dry.returncode == 0 and "Dry run: 0 cases closed before 2026-01-01" in dry.stdout
    bad = run("purge", "--closed-before", "01/01/2026", env=env)
    assert bad.returncode == 2 and "is not a date" in bad.stderr
    single = run("key", "rotate", env=env)
    assert single.returncode == 2 and "Nothing to rotate to" in single.stderr
    not_json = tmp_path / "x.json"
    not_json.write_text("{}")
    checked = run("audit", "check", str(not_json), env=env)
    assert checked.returncode == 1 and "NOT VERIFIED" in checked.stdout


def test_demo_data_fills_a_new_database_and_then_the_bot_lists_its_cases(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
        "BOT_MODE": "local",
        "ALLOWED_TENANT_ID": "t",
        "VAR_DIR": str(tmp_path / "var"),
    }
    made = run("demo-data", "--cases", "12", env=env)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("Made 12 invented cases: ") and " closed." in made.stdout
    again = run("demo-data", "--cases", "3", env=env)  # demo data on demo data: allowed
    assert again.returncode == 0 and "Made 3 invented cases" in again.stdout
    checked = run("audit", "verify", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_pack_template_check_names_each_problem_with_its_place(tmp_path: Path) -> None:
    from docx import Document

    good = run("pack-template", "check", "cards/templates/rapid_review_pack.docx")
    assert good.returncode == 0 and "good to use" in good.stdout
    bad = Document()
    bad.add_paragraph("Title")
    bad.add_paragraph("{{ outline.incident_dat }} and {% for x in agencies %}")
    path = tmp_path / "bad.docx"
    bad.save(str(path))
    checked = run("pack-template", "check", str(path))
    assert checked.returncode == 1
    assert 'paragraph 2: {{ outline.incident_dat }} - ".incident_dat" is not something' in (
        checked.stdout
    )
    assert "never closed: no {% endfor %} follows it" in checked.stdout
