"""Screenshots of the local Teams client showing the referral wizard (docs/screenshots/).

Drives the client's own web page as a practitioner would: types ``refer``, ticks, fills in and
presses buttons on the cards. Needs Debian's chromium and the ``playwright`` Python package
(``pip install playwright``; no browser download: it uses /usr/bin/chromium).
Usage: .venv/bin/python -m scripts.screenshot [OUTPUT_DIR]
"""

from __future__ import annotations

import asyncio
import io
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import docx
from docx.table import Table
from playwright.async_api import Page, async_playwright

from tests.e2e.harness import LocalTeams
from tests.e2e.test_decisions_e2e import card_in, give_view, invite, local_review, prompt
from tests.e2e.test_igt_e2e import at_rapid_review, typed
from tests.e2e.test_lcspr_e2e import weekday_after
from tests.e2e.test_referral_e2e import press
from tests.e2e.test_reminders_e2e import due_dates, morning

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
LONDON = ZoneInfo("Europe/London")


async def click(page: Page, name: str) -> None:
    await page.get_by_role("button", name=name).last.click()


async def fill(page: Page, label: str, value: str) -> None:
    await page.get_by_label(label, exact=False).last.fill(value)


async def wait_text(page: Page, text: str) -> None:
    await page.get_by_text(text, exact=False).last.wait_for(timeout=15000)


async def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="crb-shot-"))
    # The page shows Priya's view only: for the notice that goes to the Business Unit and
    # the admins, Priya is made an admin too in this run.
    roles = (ROOT / "config" / "local-roles.toml").read_text()
    roles = roles.replace('roles = ["practitioner"]', 'roles = ["practitioner", "admin"]', 1)
    (work / "roles.toml").write_text(roles)
    teams = LocalTeams(work, extra_env={"LOCAL_ROLES_FILE": str(work / "roles.toml")})
    await teams.start()
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-quic",
                ],
            )
            page = await browser.new_page(viewport={"width": 1400, "height": 2400})
            await page.goto(teams.base)
            box = page.locator("[data-lexical-editor='true']").last
            await box.wait_for(timeout=30000)
            await box.click()
            await page.keyboard.type("refer")
            await page.keyboard.press("Enter")
            await wait_text(page, "Immediate safety and the criteria")
            await page.get_by_text("potentially life-threatening injury", exact=False).last.click()
            await page.get_by_role("radio", name="No").first.check()
            await page.screenshot(path=str(out / "referral-first-step.png"), full_page=True)
            await click(page, "Next")
            await wait_text(page, "About you (the referrer)")
            await fill(page, "Agency", "Bradford Teaching Hospitals")
            await fill(page, "Designation", "Safeguarding nurse")
            await fill(page, "Email", "priya.shah@example.org")
            await click(page, "Next")
            await wait_text(page, "Step 3 of 6")
            await fill(page, "Child's name", "Sam Example")
            await fill(page, "Date of birth", "2019-03-14")
            await click(page, "Add another child")
            await wait_text(page, "Child 2")
            await fill(page, "Child's name", "Jo Example")
            await fill(page, "Date of birth", "2021-07-09")
            await fill(page, "Date of death", "2018-01-01")
            await click(page, "Next")
            await wait_text(page, "before the date of birth")
            await page.screenshot(path=str(out / "referral-wizard.png"), full_page=True)
            await fill(page, "Date of death", "")
            await click(page, "Next")
            await wait_text(page, "Family and significant others")
            await click(page, "Add a family member")
            await wait_text(page, "Family member 1")
            await fill(page, "Relationship to the child", "mother")
            await click(page, "Next")
            await wait_text(page, "Other agencies involved")
            await click(page, "Next")
            await wait_text(page, "Step 6 of 6")
            await fill(page, "Date of the critical incident", "2026-11-20")
            await fill(
                page,
                "What happened",
                "Admitted to A&E with injuries inconsistent with the account given by the carer.",
            )
            await click(page, "Next")
            await wait_text(page, "check and submit")
            await page.screenshot(path=str(out / "referral-summary.png"), full_page=True)
            await click(page, "Submit referral")
            await wait_text(page, "Referral received")
            await page.screenshot(path=str(out / "referral-confirmation.png"), full_page=True)
            await page.get_by_text("Case Review", exact=True).first.click()
            await wait_text(page, "Case BR-")
            await page.screenshot(path=str(out / "channel-case-card.png"), full_page=True)
            # More information, added by the referrer to her referral.
            await page.get_by_text("Personal Chat", exact=False).first.click()
            box = page.locator("[data-lexical-editor='true']").last
            await box.click()
            await page.keyboard.type("add info BR-")
            reference = await page.get_by_text("Referral received: BR-").last.inner_text()
            await page.keyboard.type(reference.split("BR-")[1].split()[0])
            await page.keyboard.press("Enter")
            await wait_text(page, "What you've learned")
            await fill(page, "What's new", "A neighbour heard shouting at about 9pm that evening.")
            await page.screenshot(path=str(out / "add-information.png"), full_page=True)
            await click(page, "Next")
            await wait_text(page, "check and submit")
            await click(page, "Add to the referral")
            await wait_text(page, "Added to BR-")
            # Scoping: the partners give their views (as themselves, through the client's
            # API); the Business Unit invites Priya's agency too, and she sees the card.
            ref = "BR-" + reference.split("BR-")[1].split()[0]
            for persona in ("police", "local_authority", "health"):
                await give_view(teams, persona, ref)
            await invite(teams, ref, "practitioner", "Bradford Teaching Hospitals")
            await page.get_by_text("Personal Chat", exact=False).first.click()
            await wait_text(page, f"Your scoping view on {ref}")
            await click(page, f"Give your view on {ref}")
            await wait_text(page, "Children Act 2004 s16C(1)")
            await page.screenshot(path=str(out / "scoping-view.png"), full_page=True)
            # The chair's prompt in the channel, as everyone but the chair sees it; then the
            # chair recommends, the director decides not to notify, and the chair is asked
            # what next.
            await page.get_by_text("Case Review", exact=True).first.click()
            await wait_text(page, f"Recommendation on notification: {ref}")
            await page.screenshot(path=str(out / "channel-chair-prompt.png"), full_page=True)
            live = await teams.refresh(await prompt(teams, ref), persona="chair")
            await press(
                teams,
                live,
                f"Recommend no notification for {ref}",
                persona="chair",
                rationale="On what is known, the harm is not serious.",
            )
            director = await card_in(teams, "local_authority", f"Decision on notification: {ref}")
            await press(
                teams,
                director,
                f"Don't notify the Panel about {ref}",
                persona="local_authority",
                rationale="The statutory test is not met on what is known.",
            )
            await wait_text(page, f"What next for {ref}")
            await page.get_by_text(f"What next for {ref}").last.scroll_into_view_if_needed()
            await page.screenshot(path=str(out / "channel-what-next.png"), full_page=True)
            # Where the case stands, asked in the channel by the Business Unit.
            await teams.send(f"status {ref}", persona="business_unit", where="channel")
            await page.get_by_text("Case Review", exact=True).first.click()
            await wait_text(page, f"Status: {ref}")
            await page.screenshot(path=str(out / "channel-status.png"), full_page=True)
            # Information gathering: a second case, notified, and Priya asked for the tool.
            igt_ref = await at_rapid_review(teams)
            await typed(teams, "business_unit", f"igt {igt_ref}")
            # Other cards (the notifications checklist) may arrive first: wait for this one.
            sending = await card_in(
                teams, "business_unit", f"Information Gathering Tools: {igt_ref}"
            )
            await press(
                teams,
                sending,
                f"Send the Information Gathering Tool for {igt_ref}",
                persona="business_unit",
                person=teams.user("practitioner")["aadObjectId"],
                other_agency="Bradford Teaching Hospitals",
            )
            await page.get_by_text("Personal Chat", exact=False).first.click()
            await wait_text(page, f"Information Gathering Tool: {igt_ref}")
            await page.screenshot(path=str(out / "igt-request.png"), full_page=True)
            await click(page, f"Complete the Information Gathering Tool for {igt_ref}")
            await wait_text(page, "Step 1 of 11")
            for step in range(2, 10):
                await click(page, "Next")
                await wait_text(page, f"Step {step} of 11")
            await click(page, "Add an event")
            await wait_text(page, "Event 1")
            # The event's box is the page's last multi-line input (the label carries Teams'
            # required mark, so it isn't matched by name).
            await page.locator("textarea").last.fill("Neighbour calls the police about shouting")
            await click(page, "Add another event")
            await wait_text(page, "Event 2")
            await page.screenshot(path=str(out / "igt-chronology.png"), full_page=True)
            # Reminders: the morning Priya's return is due, the chaser and the daily digest.
            igt_due, _ = await due_dates(teams, igt_ref)
            await teams.tick(morning(igt_due))
            await page.get_by_text("Personal Chat", exact=False).first.click()
            await wait_text(page, f"Your deadline due today: {igt_ref}")
            await page.get_by_text(
                f"Your deadline due today: {igt_ref}"
            ).last.scroll_into_view_if_needed()
            await page.screenshot(path=str(out / "reminder-igt-chaser.png"), full_page=True)
            await page.get_by_text("Case Review", exact=True).first.click()
            await wait_text(page, "Daily digest")
            await page.get_by_text("Daily digest").last.scroll_into_view_if_needed()
            await page.screenshot(path=str(out / "channel-digest.png"), full_page=True)
            # An action for Priya, added by the Business Unit.
            step = await typed(
                teams, "business_unit", f"action add {igt_ref}", "New action: The action"
            )
            summary = await press(
                teams,
                step,
                "Next",
                persona="business_unit",
                text="Share the learning on hospital discharge with ward staff.",
                kind="learning_event",
                owner="Priya Shah",
                agency="Bradford Teaching Hospitals",
                due="2027-02-26",
                rag="green",
            )
            await press(teams, summary, "Add the action", persona="business_unit")
            await page.get_by_text("Personal Chat", exact=False).first.click()
            await wait_text(page, f"An action for you: {igt_ref}, action 1")
            await page.get_by_text(
                f"An action for you: {igt_ref}"
            ).last.scroll_into_view_if_needed()
            await page.screenshot(path=str(out / "action-given.png"), full_page=True)
            # The bot removed from the team: the admins' notice, in Priya's 1:1 chat.
            await teams.event(
                {
                    "type": "conversationUpdate",
                    "membersRemoved": [{"id": teams.config["bot"]["id"]}],
                    "channelData": {"eventType": "teamMemberRemoved"},
                },
                persona="business_unit",
                where="channel",
            )
            await teams.wait_for_message(
                lambda m: m.card is not None and "can't post" in str(m.card),
                conversation_id=teams.config["personalChat"]["id"],
            )
            await page.get_by_text("Personal Chat", exact=False).first.click()
            await wait_text(page, "I can't post in the case review channel")
            await page.screenshot(path=str(out / "channel-lost-notice.png"), full_page=True)
            await browser.close()
    finally:
        await teams.stop()
        shutil.rmtree(work, ignore_errors=True)


async def local_review_shots(out: Path) -> None:
    """The local review's cards, in a second run where Priya (whose view the page shows)
    also holds the chair's and the Business Unit's roles: the commissioning form, the delay
    for the chair to approve, the review's record, and the channel's status."""
    work = Path(tempfile.mkdtemp(prefix="crb-shot-"))
    roles = (ROOT / "config" / "local-roles.toml").read_text()
    roles = roles.replace(
        'roles = ["practitioner"]', 'roles = ["practitioner", "chair", "business_unit"]', 1
    )
    (work / "roles.toml").write_text(roles)
    teams = LocalTeams(work, extra_env={"LOCAL_ROLES_FILE": str(work / "roles.toml")})
    await teams.start()
    priya = "practitioner"
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = await browser.new_page(viewport={"width": 1400, "height": 2400})
            await page.goto(teams.base)
            await page.locator("[data-lexical-editor='true']").last.wait_for(timeout=30000)
            ref = await local_review(teams)
            await typed(teams, priya, f"commission {ref}", "Local review: commissioning")
            await page.get_by_text("Personal Chat", exact=False).first.click()
            await wait_text(page, "Local review: commissioning")
            await page.get_by_text("Told by").last.scroll_into_view_if_needed()
            await page.screenshot(path=str(out / "lcspr-commissioning.png"), full_page=True)
            step = await typed(teams, priya, f"delay {ref}", "Publication delay: The delay")
            summary = await press(
                teams,
                step,
                "Next",
                persona=priya,
                cause="inquest",
                reason="HM Coroner has opened an inquest; the hearing is listed for the summer.",
                new_date=weekday_after(datetime.now(LONDON).date(), 270).isoformat(),
            )
            await press(teams, summary, "Ask the chair to approve the delay", persona=priya)
            await wait_text(page, f"Approve the delay to {ref}'s publication")
            await page.get_by_text(f"Publication delay: {ref}").last.scroll_into_view_if_needed()
            await page.screenshot(path=str(out / "lcspr-delay-for-chair.png"), full_page=True)
            await click(page, f"Approve the delay to {ref}'s publication")
            await wait_text(page, "Approved by")
            await teams.send(f"review {ref}", persona=priya)
            await wait_text(page, f"Local review: {ref}")
            await page.get_by_text(f"Local review: {ref}").last.scroll_into_view_if_needed()
            await page.screenshot(path=str(out / "lcspr-review-record.png"), full_page=True)
            await teams.send(f"status {ref}", persona="police", where="channel")
            await page.get_by_text("Case Review", exact=True).first.click()
            await wait_text(page, f"Status: {ref}")
            await page.get_by_text(f"Status: {ref}").last.scroll_into_view_if_needed()
            await page.screenshot(path=str(out / "channel-status-local-review.png"), full_page=True)
            await browser.close()
    finally:
        await teams.stop()
        shutil.rmtree(work, ignore_errors=True)


def docx_html(body: bytes) -> str:
    """A Word document's text, headings and tables as a plain A4-width HTML page, to picture
    its first pages (there is no Word on this machine)."""
    import html as markup

    document = docx.Document(io.BytesIO(body))
    parts = []
    header = " ".join(p.text for p in document.sections[0].header.paragraphs)
    parts.append(f"<p class='header'>{markup.escape(header)}</p>")
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            rows = "".join(
                "<tr>" + "".join(f"<td>{markup.escape(c.text)}</td>" for c in row.cells) + "</tr>"
                for row in block.rows
            )
            parts.append(f"<table>{rows}</table>")
            continue
        style = block.style.name if block.style is not None else ""
        tag = {"Title": "h1", "Heading 1": "h2", "Heading 2": "h3"}.get(style, "p")
        if block.text.strip():
            parts.append(f"<{tag}>{markup.escape(block.text)}</{tag}>")
    return (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        "body{background:#e8e8e8;margin:0;padding:24px}"
        "main{background:#fff;width:794px;margin:auto;padding:72px 80px;box-sizing:border-box;"
        "font:11pt Arial,sans-serif;color:#111;box-shadow:0 1px 4px #999}"
        "h1{font-size:20pt;color:#17365d}h2{font-size:14pt;color:#365f91;margin-top:1.2em}"
        "h3{font-size:12pt;color:#4f81bd}.header{color:#666;font-size:9pt}"
        "table{border-collapse:collapse;width:100%;font-size:9pt}"
        "td{border:1px solid #888;padding:3px 5px;vertical-align:top}"
        "tr:first-child td{font-weight:bold}"
        "</style></head><body><main>" + "".join(parts) + "</main></body></html>"
    )


async def pack_shots(out: Path) -> None:
    """The rapid review pack's link card, the pack's first pages, and the figures card, in a
    run where Priya (whose view the page shows) also holds the Business Unit's and the chair's
    roles."""
    from tests.e2e.test_pack_e2e import AGENCIES, day_15_decision, returned

    work = Path(tempfile.mkdtemp(prefix="crb-shot-"))
    roles = (ROOT / "config" / "local-roles.toml").read_text()
    roles = roles.replace(
        'roles = ["practitioner"]', 'roles = ["practitioner", "chair", "business_unit"]', 1
    )
    (work / "roles.toml").write_text(roles)
    teams = LocalTeams(work, extra_env={"LOCAL_ROLES_FILE": str(work / "roles.toml")})
    await teams.start()
    priya = "practitioner"
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = await browser.new_page(viewport={"width": 1400, "height": 1600})
            await page.goto(teams.base)
            await page.locator("[data-lexical-editor='true']").last.wait_for(timeout=30000)
            ref = await at_rapid_review(teams)
            sending = await typed(
                teams, "business_unit", f"igt {ref}", f"Information Gathering Tools: {ref}"
            )
            for agency in AGENCIES:
                sending = await press(
                    teams,
                    sending,
                    f"Send the Information Gathering Tool for {ref}",
                    persona="business_unit",
                    person=teams.user(agency[0])["aadObjectId"],
                    other_agency=agency[1],
                )
            for agency in AGENCIES:
                await returned(teams, agency[0], ref, agency)
            await day_15_decision(teams, ref)
            shown = await typed(teams, priya, f"pack {ref}", f"The rapid review pack for {ref}")
            await page.get_by_text("Personal Chat", exact=False).first.click()
            await wait_text(page, f"The rapid review pack for {ref}")
            await page.get_by_text(
                f"The rapid review pack for {ref}"
            ).last.scroll_into_view_if_needed()
            await page.screenshot(path=str(out / "pack-link.png"))
            assert shown.card is not None
            url = shown.card["actions"][0]["url"].replace("localhost", "127.0.0.1")
            async with aiohttp.ClientSession() as http:
                me = teams.user(priya)["aadObjectId"]
                async with http.post(url, data={"persona": me}) as got:
                    body = await got.read()
            paper = await browser.new_page(viewport={"width": 860, "height": 2300})
            await paper.set_content(docx_html(body))
            await paper.screenshot(path=str(out / "pack-first-pages.png"))
            await teams.send("figures 2026", persona="police", where="channel")
            await teams.send("figures 2026", persona="chair", where="channel")
            await page.get_by_text("Case Review", exact=True).first.click()
            await wait_text(page, "Figures for 2026")
            await page.get_by_text("Figures for 2026").last.scroll_into_view_if_needed()
            await page.wait_for_timeout(1500)  # the chart draws itself
            await page.screenshot(path=str(out / "figures-card.png"))
            await browser.close()
    finally:
        await teams.stop()
        shutil.rmtree(work, ignore_errors=True)


async def everything(out: Path) -> None:
    await main(out)
    await local_review_shots(out)
    await pack_shots(out)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    if len(sys.argv) > 2 and sys.argv[2] == "local-review":
        asyncio.run(local_review_shots(target))
    elif len(sys.argv) > 2 and sys.argv[2] == "pack":
        asyncio.run(pack_shots(target))
    else:
        asyncio.run(everything(target))
