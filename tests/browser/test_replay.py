"""The replay (issue 19): speed, skipping idle gaps, jumping to an event, author colours, the
edit heatmap, a run's output at its moment; and a 2-hour interview with 20,000 changes opens
in under 2 s and scrubs without a stall (frame times measured in Chromium, recorded in
docs/benchmarks.md)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from bench.replay_session import SCRUB, generate, small
from sessions.config import Config
from sessions.room.session import Session
from sessions.web.app import create_app
from sessions.web.keys import STORE
from sessions.web.runs import RUNS
from tests.browser.conftest import base_url, editor_text

SHADOW = "document.querySelector('.editor-host').shadowRoot"
MARKS = f"""(selector) => [...{SHADOW}.querySelectorAll(selector)].map((e) => e.textContent)"""
HEAT = f"""() => [...{SHADOW}.querySelectorAll('.cm-line')].map((e) => e.dataset.edits ?? null)"""
POSITION = "() => Number(document.getElementById('scrub').value)"


async def open_replay(browser: Any, server: TestServer, session: Session) -> Any:
    page = await (await browser.new_context()).new_page()
    url = f"{base_url(server)}/s/{session.id}/replay#interviewer={session.interviewer_token}"
    await page.goto(url)
    await page.wait_for_selector("#replay-status[data-ready]", timeout=30_000)
    return page


@pytest.fixture
async def replay_server(aiohttp_server: AiohttpServer) -> TestServer:
    return await aiohttp_server(create_app(Config(timeline_size=30_000)), host="127.0.0.1")


async def small_replay(browser: Any, server: TestServer) -> Any:
    session = server.app[STORE].create("Replay", "python", "")
    small(session)
    return await open_replay(browser, server, session)


async def test_author_colours_and_the_last_change_on_the_code(
    browser: Any, replay_server: TestServer
):
    page = await small_replay(browser, replay_server)
    assert await editor_text(page) == "Xaaa\nbcd"
    assert await page.evaluate(MARKS, ".author.user-c0") == ["X"]
    assert "".join(await page.evaluate(MARKS, ".author.user-c1")) == "aaabcd"
    assert await page.evaluate(MARKS, ".last-change") == []  # the last change deleted
    await page.uncheck("#show-authors")
    assert await page.evaluate(MARKS, ".author") == []


async def test_the_heatmap_counts_the_edits_of_each_line(browser: Any, replay_server: TestServer):
    page = await small_replay(browser, replay_server)
    # Line 1: "a" three times, the line break, "X". Line 2: made by the line break, then
    # "b", "c", "dd" and a deletion.
    assert await page.evaluate(HEAT) == ["5", "5"]
    await page.click("#events li[data-type=chat-message] button")  # "Xaaa\nb" then
    assert await page.evaluate(HEAT) == ["5", "2"]
    await page.uncheck("#show-heat")
    assert await page.evaluate(HEAT) == [None, None]


async def test_clicking_an_event_jumps_to_its_moment_and_shows_the_run_there(
    browser: Any, replay_server: TestServer
):
    page = await small_replay(browser, replay_server)
    await page.click("#events li[data-type=chat-message] button")
    assert await editor_text(page) == "Xaaa\nb"
    assert "+0:07 of 10:11" in await page.inner_text("#position")
    assert await page.get_attribute("#events li[data-type=chat-message]", "class") == "current at"
    assert await page.locator("#replay-run").is_hidden()  # no run yet at that moment
    await page.click("#events li[data-type=run-result] button")
    assert await editor_text(page) == "Xaaa\nbc"
    status = await page.inner_text("#replay-run-status")
    assert status.startswith("Cam ran revision 7 (python): Failed in 0.20 s; 2 of 6 tests passed")
    assert await page.inner_text("#replay-run-output") == "checking 6 cases\n"
    markers = await page.eval_on_selector_all(
        "#markers .marker", "(m) => m.map((e) => e.className)"
    )
    assert markers == [
        "marker marker-join",
        "marker marker-join",
        "marker marker-chat-message",
        "marker marker-run-result",
        "marker marker-signal",
    ]


async def play_until(page: Any, position: int, speed: str, skip: bool, limit_ms: int) -> Any:
    """From position 0, play at ``speed``; the real ms it took to reach ``position`` (or None
    if it did not within ``limit_ms``)."""
    await page.locator("#scrub").fill("0")
    await page.select_option("#speed", speed)
    await page.set_checked("#skip-idle", skip)
    return await page.evaluate(
        """async ([position, limit]) => {
          const scrub = document.getElementById("scrub");
          const started = performance.now();
          document.getElementById("play").click();
          while (performance.now() - started < limit) {
            if (Number(scrub.value) >= position) {
              const took = performance.now() - started;
              document.getElementById("play").click();
              return took;
            }
            await new Promise((r) => requestAnimationFrame(r));
          }
          document.getElementById("play").click();
          return null;
        }""",
        [position, limit_ms],
    )


async def test_speed_sets_how_fast_the_interview_plays(browser: Any, replay_server: TestServer):
    page = await small_replay(browser, replay_server)
    chat = int(await page.get_attribute("#events li[data-type=chat-message]", "data-position"))
    fast = await play_until(page, chat, "32", True, 5000)
    slower = await play_until(page, chat, "8", True, 5000)
    assert fast is not None and slower is not None
    assert fast < 600  # 7 s of interview at 32x: about 220 ms
    assert slower > 2 * fast  # 7 s at 8x: about 875 ms
    assert await play_until(page, 3, "0.5", True, 1200) is None  # 1 s of interview at 0.5x: 2 s


async def test_idle_gaps_are_skipped_only_when_asked(browser: Any, replay_server: TestServer):
    page = await small_replay(browser, replay_server)
    after_gap = int(await page.get_attribute("#events li[data-type=run-result]", "data-position"))
    skipped = await play_until(page, after_gap, "8", True, 8000)
    assert skipped is not None and skipped < 4000  # the 10-minute gap takes 0.5 s of interview
    waited = await play_until(page, after_gap, "8", False, 2500)
    assert waited is None  # without skipping, 10 minutes at 8x is 75 s


@pytest.mark.timeout(300)
async def test_a_two_hour_interview_with_20000_changes_opens_and_scrubs(
    browser: Any, replay_server: TestServer
):
    """Works at full size; its timing is measured by ``python -m bench replay``
    (docs/benchmarks.md, "Replay"), not here, where other tests share the machine."""
    session = replay_server.app[STORE].create("Two hours", "python", "")
    generate(session, changes=20_000, seconds=7200.0)
    assert len(session.timeline) > 20_000
    page = await open_replay(browser, replay_server, session)
    status = await page.inner_text("#replay-status")  # about two hours of typing
    assert re.fullmatch(r"20000 changes · [12]:\d\d:\d\d", status), status
    assert await editor_text(page) == session.document.text
    figures = await page.evaluate(SCRUB, [20, "random"])
    assert figures["frame"]["max"] > 0
    await page.locator("#scrub").fill("0")
    assert await editor_text(page) == ""


async def test_the_replay_has_no_serious_accessibility_issue_and_no_page_scroll_at_any_width(
    browser: Any, replay_server: TestServer
):
    from tests.browser.test_pages import axe_violations

    session = replay_server.app[STORE].create("Replay", "python", "")
    small(session)
    url = f"{base_url(replay_server)}/s/{session.id}/replay#interviewer={session.interviewer_token}"
    for width in (1400, 800, 390):
        context = await browser.new_context(
            bypass_csp=True, viewport={"width": width, "height": 800}
        )  # bypass: to inject axe-core
        page = await context.new_page()
        await page.goto(url)
        await page.wait_for_selector("#replay-status[data-ready]")
        await page.click("#events li[data-type=run-result] button")  # the run panel shown
        assert await axe_violations(page) == [], width
        scroll = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        assert await page.evaluate(scroll) <= 0, width
        await context.close()


async def test_the_interviewer_runs_the_code_of_the_moment_shown(
    browser: Any, aiohttp_server: AiohttpServer
):
    from bench.replay_session import insert, people
    from tests.browser.test_pages import axe_violations
    from tests.needs import need

    config = Config(enable_exec=True, exec_timeout_seconds=10.0)
    server = await aiohttp_server(create_app(config), host="127.0.0.1")
    runnable = server.app[RUNS].runnable()
    need("exec-python", runnable["python"], "python does not run here (see /health)")
    session = server.app[STORE].create("Moments", "python", "print('then')\n")
    _, cam = people(session, session.created_at)
    insert(session, cam, 7, "and now ", session.created_at + 5)  # print('and now then')
    context = await browser.new_context(bypass_csp=True)  # bypass: to inject axe-core
    page = await context.new_page()
    url = f"{base_url(server)}/s/{session.id}/replay#interviewer={session.interviewer_token}"
    await page.goto(url)
    await page.wait_for_selector("#replay-status[data-ready]", timeout=30_000)
    button = page.locator("#moment-run-button")
    assert await button.inner_text() == "Run revision 1's code"
    await page.locator("#scrub").fill("0")
    assert await button.inner_text() == "Run revision 0's code"
    await button.click()
    await page.wait_for_selector("#moment-run-status[data-verdict]", timeout=30_000)
    status = await page.inner_text("#moment-run-status")
    assert status.startswith("Revision 0 (python) run now: Finished"), status
    assert await page.inner_text("#moment-run-output") == "then\n"
    assert await axe_violations(page) == []
    await page.set_viewport_size({"width": 390, "height": 800})
    await page.emulate_media(color_scheme="dark")
    assert await axe_violations(page) == []
    scroll = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert await page.evaluate(scroll) <= 0
    await page.locator("#scrub").fill(await page.get_attribute("#scrub", "max"))
    assert await button.inner_text() == "Run revision 1's code"
    await button.click()
    await page.wait_for_function(
        "() => document.getElementById('moment-run-output').textContent === 'and now then\\n'",
        timeout=30_000,
    )
    assert session.timeline.events[-1].type == "code-change"  # the runs were not recorded
    await context.close()


async def test_without_execution_the_replay_offers_no_run(browser: Any, replay_server: TestServer):
    page = await small_replay(browser, replay_server)
    assert await page.locator("#moment-run-row").is_hidden()


async def test_a_replay_screenshot_with_a_moment_run(browser: Any, aiohttp_server: AiohttpServer):
    """tests/browser/output/replay.png (docs/screenshot-replay.png with
    INTERVIEW_SCREENSHOTS_TO_DOCS=1): 600 changes over 10 minutes, a run of the last moment."""
    import os
    import shutil

    from tests.browser.conftest import OUTPUT
    from tests.browser.test_pages import DOCS, SCREENSHOTS_TO_DOCS
    from tests.needs import need

    server = await aiohttp_server(create_app(Config(enable_exec=True)), host="127.0.0.1")
    need("exec-python", server.app[RUNS].runnable()["python"], "python does not run here")
    session = server.app[STORE].create("Two sum with Cam", "python", "")
    generate(session, changes=600, seconds=600.0)  # the interviewer's "## " notes on line 1
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    url = f"{base_url(server)}/s/{session.id}/replay#interviewer={session.interviewer_token}"
    await page.goto(url)
    await page.wait_for_selector("#replay-status[data-ready]", timeout=30_000)
    await page.click("#moment-run-button")
    await page.wait_for_selector("#moment-run-status[data-verdict]", timeout=30_000)
    assert (await page.inner_text("#moment-run-status")).startswith(
        "Revision 600 (python) run now: Failed: error, exit code 1"
    )  # the first line comments out its def: line 2's indent is unexpected
    assert "IndentationError: unexpected indent" in await page.inner_text("#moment-run-output")
    await page.screenshot(path=str(OUTPUT / "replay.png"))
    assert (OUTPUT / "replay.png").stat().st_size > 10_000
    if os.environ.get(SCREENSHOTS_TO_DOCS) == "1":
        shutil.copyfile(OUTPUT / "replay.png", DOCS / "screenshot-replay.png")
    await context.close()
