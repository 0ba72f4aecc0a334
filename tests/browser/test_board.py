"""The whiteboard in real Chromium: two people drawing at once (shapes and freehand, then
dragging the same shape from both sides) end with the same board as the server's; a
dropped connection keeps what was drawn offline and resyncs it without duplicates; observers
watch read-only; nothing from the board loads until its tab is opened."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.browser.conftest import (
    WAIT_SECONDS,
    api,
    base_url,
    create_session,
    editor_text,
    open_room,
)
from tests.browser.proxy import DroppingProxy
from tests.browser.test_pages import axe_violations

BOARD_TIMEOUT = 180
Scene = list[tuple[str, int, int, int, int, str]]

SCENE = """() => {
  const api = document.getElementById("board").excalidrawAPI;
  if (!api) return null;
  return api.getSceneElements()
    .map((e) => [e.id, e.version, e.versionNonce, Math.round(e.x), Math.round(e.y), e.type])
    .sort();
}"""

TO_VIEWPORT = """([x, y]) => {
  const api = document.getElementById("board").excalidrawAPI;
  const s = api.getAppState();
  const zoom = s.zoom.value;
  return [(x + s.scrollX) * zoom + s.offsetLeft, (y + s.scrollY) * zoom + s.offsetTop];
}"""


async def page_scene(page: Any) -> Scene | None:
    scene = await page.evaluate(SCENE)
    return None if scene is None else [tuple(item) for item in scene]


async def server_scene(server: TestServer | str, session: dict[str, Any]) -> Scene:
    headers = {"Authorization": f"Bearer {session['interviewerToken']}"}
    board = await api(server, "GET", f"/api/sessions/{session['id']}/board", headers=headers)
    return sorted(
        (e["id"], e["version"], e["versionNonce"], round(e["x"]), round(e["y"]), e["type"])
        for e in board["elements"]
    )


async def converge(
    pages: list[Any], server: TestServer | str, session: dict[str, Any], within: float = 60
) -> Scene:
    """Wait until every page shows the server's board; return it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        expected = await server_scene(server, session)
        scenes = [await page_scene(page) for page in pages]
        if all(scene == expected for scene in scenes):
            return expected
        if loop.time() >= deadline:
            raise AssertionError(f"boards did not converge: {scenes!r} vs server {expected!r}")
        await asyncio.sleep(0.1)


async def open_board(page: Any) -> None:
    await page.click("#tab-board")
    await page.wait_for_selector("#board[data-opened-ms]", timeout=WAIT_SECONDS * 1000)
    await page.wait_for_selector(".excalidraw canvas", timeout=WAIT_SECONDS * 1000)


async def canvas_origin(page: Any) -> tuple[float, float]:
    box = await page.locator("#board").bounding_box()
    return box["x"], box["y"]


async def drag(page: Any, points: list[tuple[float, float]]) -> None:
    await page.mouse.move(*points[0])
    await page.mouse.down()
    for point in points[1:]:
        await page.mouse.move(*point, steps=3)
    await page.mouse.up()


async def draw_shapes(page: Any, tool: str, count: int, row: int) -> None:
    """``count`` shapes with ``tool`` (``rectangle`` or ``freedraw``) along row ``row``."""
    left, top = await canvas_origin(page)
    for i in range(count):
        await page.locator(f'[data-testid="toolbar-{tool}"]').click(force=True)
        x, y = left + 120 + i * 110, top + 120 + row * 120
        if tool == "freedraw":
            await drag(page, [(x, y), (x + 30, y + 40), (x + 60, y), (x + 80, y + 50)])
        else:
            await drag(page, [(x, y), (x + 80, y + 60)])
        await page.keyboard.press("Escape")


async def drag_element(page: Any, element_id: str, dx: float) -> None:
    """Select the element by its left edge and drag it ``dx`` pixels to the right."""
    element = await page.evaluate(
        """(id) => document.getElementById("board").excalidrawAPI
             .getSceneElements().find((e) => e.id === id)""",
        element_id,
    )
    x, y = await page.evaluate(TO_VIEWPORT, [element["x"], element["y"] + element["height"] / 2])
    await page.locator('[data-testid="toolbar-selection"]').click(force=True)
    await drag(page, [(x, y), (x + dx / 2, y + 5), (x + dx, y + 10)])


async def two_people_drawing_at_once(
    browser: Any, base: TestServer | str
) -> tuple[dict[str, Any], Scene]:
    """The scenario the server and the cluster share; returns the session and the final board."""
    session = await create_session(base)
    url = f"{base_url(base)}/s/{session['id']}"
    interviewer = await open_room(
        await browser.new_context(), f"{url}#interviewer={session['interviewerToken']}", "Ivy"
    )
    candidate = await open_room(await browser.new_context(), url, "Cam")
    await asyncio.gather(open_board(interviewer), open_board(candidate))
    await asyncio.gather(
        draw_shapes(interviewer, "rectangle", 3, 0), draw_shapes(candidate, "freedraw", 3, 1)
    )
    drawn = await converge([interviewer, candidate], base, session)
    assert sorted(kind for *_, kind in drawn) == ["freedraw"] * 3 + ["rectangle"] * 3
    shared = next(item[0] for item in drawn if item[5] == "rectangle")
    await asyncio.gather(
        drag_element(interviewer, shared, 150), drag_element(candidate, shared, -60)
    )
    final = await converge([interviewer, candidate], base, session)
    moved = next(item for item in final if item[0] == shared)
    before = next(item for item in drawn if item[0] == shared)
    assert moved[1] > before[1]  # it moved, and both pages show the same copy
    assert len(final) == 6
    return session, final


@pytest.mark.timeout(BOARD_TIMEOUT)
async def test_two_people_drawing_at_once_end_with_the_same_board(browser: Any, server: TestServer):
    await two_people_drawing_at_once(browser, server)


@pytest.mark.timeout(BOARD_TIMEOUT)
async def test_a_dropped_connection_keeps_the_offline_drawing_and_resyncs_without_duplicates(
    browser: Any, server: TestServer
):
    session = await create_session(server)
    room = f"/s/{session['id']}"
    proxy = DroppingProxy(server.port or 0)
    await proxy.start()
    try:
        interviewer = await open_room(
            await browser.new_context(),
            f"{base_url(server)}{room}#interviewer={session['interviewerToken']}",
            "Ivy",
        )
        candidate = await open_room(await browser.new_context(), f"{proxy.url}{room}", "Cam")
        await asyncio.gather(open_board(interviewer), open_board(candidate))
        await draw_shapes(candidate, "rectangle", 1, 0)
        await converge([interviewer, candidate], server, session)
        proxy.refusing = True
        proxy.drop()
        await candidate.wait_for_selector("#connection:not([data-state=connected])")
        await draw_shapes(candidate, "freedraw", 2, 1)  # offline
        await draw_shapes(interviewer, "rectangle", 1, 2)  # meanwhile, online
        offline = await page_scene(candidate)
        assert offline is not None and len(offline) == 3  # kept on the page
        proxy.refusing = False
        await candidate.wait_for_selector(
            "#connection[data-state=connected]", timeout=WAIT_SECONDS * 1000
        )
        final = await converge([interviewer, candidate], server, session)
        assert len(final) == 4
        assert len({item[0] for item in final}) == 4  # no element twice
    finally:
        await proxy.close()


@pytest.mark.timeout(BOARD_TIMEOUT)
async def test_an_observer_watches_the_board_read_only(browser: Any, server: TestServer):
    session = await create_session(server)
    url = f"{base_url(server)}/s/{session['id']}"
    interviewer = await open_room(
        await browser.new_context(), f"{url}#interviewer={session['interviewerToken']}", "Ivy"
    )
    observer = await open_room(
        await browser.new_context(),
        f"{url}#observer={session['observerToken']}",
        "Olga",
        wait_editable=False,
    )
    await asyncio.gather(open_board(interviewer), open_board(observer))
    await draw_shapes(interviewer, "rectangle", 1, 0)
    final = await converge([interviewer, observer], server, session)
    assert len(final) == 1
    assert await observer.locator('[data-testid="toolbar-rectangle"]').count() == 0


@pytest.mark.timeout(BOARD_TIMEOUT)
async def test_the_room_loads_nothing_of_the_board_until_its_tab_is_opened(
    browser: Any, server: TestServer
):
    session = await create_session(server)
    context = await browser.new_context()
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = await open_room(context, f"{base_url(server)}/s/{session['id']}", "Cam")
    await page.wait_for_load_state("networkidle")
    assert [url for url in requested if "board" in url] == []
    await open_board(page)
    assert any(url.endswith("/static/vendor/board/board.js") for url in requested)
    assert any(url.endswith("/static/js/board.js") for url in requested)


@pytest.mark.timeout(BOARD_TIMEOUT)
async def test_axe_finds_nothing_serious_with_the_board_open(browser: Any, server: TestServer):
    session = await create_session(server)
    context = await browser.new_context(
        bypass_csp=True, viewport={"width": 1280, "height": 760}
    )  # to inject axe-core
    page = await open_room(
        context,
        f"{base_url(server)}/s/{session['id']}#interviewer={session['interviewerToken']}",
        "Ivy",
    )
    await open_board(page)
    await draw_shapes(page, "rectangle", 1, 0)
    await draw_shapes(page, "freedraw", 1, 1)
    assert await axe_violations(page) == []


REPLAY_SCENE = """() => {
  const api = document.getElementById("replay-board").excalidrawAPI;
  return api ? api.getSceneElements().map((e) => e.id).sort() : null;
}"""


@pytest.mark.timeout(BOARD_TIMEOUT)
async def test_the_replay_shows_the_board_at_the_same_moment_as_the_code(
    browser: Any, server: TestServer
):
    session = await create_session(server, code="")
    page = await open_room(
        await browser.new_context(bypass_csp=True),  # to inject axe-core
        f"{base_url(server)}/s/{session['id']}#interviewer={session['interviewerToken']}",
        "Ivy",
    )
    await page.click(".cm-content")
    await page.keyboard.type("first")
    await open_board(page)
    await draw_shapes(page, "rectangle", 1, 0)
    drawn = await converge([page], server, session)
    await page.click("#tab-code")
    await page.click(".cm-content")
    await page.keyboard.press("Control+End")
    await page.keyboard.type(" then")
    await page.wait_for_function(
        "async (id) => (await (await fetch(`/api/sessions/${id}`)).json()).code === 'first then'",
        arg=session["id"],
    )
    report = await api(server, "GET", f"/api/sessions/{session['id']}/report")
    assert report["board"] == {"used": True, "elements": 1}

    await page.goto(f"{base_url(server)}/s/{session['id']}/replay")
    await page.wait_for_selector("#replay-main:not([hidden])")
    await page.wait_for_function(f"({REPLAY_SCENE})()?.length === 1")
    assert await page.evaluate(REPLAY_SCENE) == [drawn[0][0]]
    assert "1 element" in await page.inner_text("#board-count")
    steps = int(await page.get_attribute("#scrub", "max") or 0)
    await page.locator("#scrub").fill("0")  # before anything: no code, no drawing
    assert await page.evaluate(REPLAY_SCENE) == []
    # The step where the shape appears shows the code typed before it, not after.
    for step in range(1, steps + 1):
        await page.locator("#scrub").fill(str(step))
        if await page.evaluate(REPLAY_SCENE):
            break
    assert await editor_text(page) == "first"
    assert await axe_violations(page) == []


PASTE_IMAGE = """() => {
  const api = document.getElementById("board").excalidrawAPI;
  const image = {
    id: "pasted-image", type: "image", x: 10, y: 10, width: 50, height: 50, angle: 0,
    version: 1, versionNonce: 7, isDeleted: false, fileId: "f1", status: "pending",
    strokeColor: "#000", backgroundColor: "transparent", fillStyle: "solid", strokeWidth: 1,
    strokeStyle: "solid", roughness: 1, opacity: 100, groupIds: [], frameId: null,
    roundness: null, seed: 1, boundElements: null, updated: 1, link: null, locked: false,
    scale: [1, 1], crop: null, index: "a9",
  };
  api.updateScene({ elements: [...api.getSceneElementsIncludingDeleted(), image] });
}"""


@pytest.mark.timeout(BOARD_TIMEOUT)
async def test_a_pasted_image_is_refused_with_a_message_and_the_rest_still_syncs(
    browser: Any, server: TestServer
):
    session = await create_session(server)
    url = f"{base_url(server)}/s/{session['id']}"
    interviewer = await open_room(
        await browser.new_context(), f"{url}#interviewer={session['interviewerToken']}", "Ivy"
    )
    candidate = await open_room(await browser.new_context(), url, "Cam")
    await asyncio.gather(open_board(interviewer), open_board(candidate))
    await candidate.evaluate(PASTE_IMAGE)  # what a paste of an image makes
    notice = candidate.locator("#notice")
    await notice.wait_for(state="visible")
    assert "images are not supported on the board" in await notice.inner_text()
    await draw_shapes(candidate, "rectangle", 1, 1)
    await converge([interviewer], server, session)
    board = await server_scene(server, session)
    assert [item[5] for item in board] == ["rectangle"]
