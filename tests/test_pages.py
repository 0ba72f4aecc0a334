"""The browser pages and their static files as HTTP serves them: headers, caching, the
Content-Security-Policy, and what the checked-in files must (not) contain."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from sessions.web.pages import CSP, STATIC_DIR

Client = TestClient[Any, Any]
ROOT = Path(__file__).resolve().parent.parent
PAGES = {"/": "index.html", "/s/abc123": "room.html", "/s/abc123/replay": "replay.html"}
OWN_FILES = [
    path for path in STATIC_DIR.rglob("*") if path.is_file() and "vendor" not in path.parts
]


async def test_each_page_is_served_with_its_html_and_a_strict_content_security_policy(
    client: Client,
):
    for path, name in PAGES.items():
        response = await client.get(path)
        assert response.status == 200
        assert response.content_type == "text/html"
        assert await response.read() == (STATIC_DIR / name).read_bytes()
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-cache"


def test_the_policy_allows_only_this_origin_and_no_inline_script_or_style():
    directives = dict(part.split(" ", 1) for part in CSP.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CSP
    assert "http" not in CSP


async def test_a_static_file_has_an_etag_and_an_unchanged_one_is_answered_304(client: Client):
    response = await client.get("/static/js/ot.js")
    assert response.status == 200
    assert response.content_type == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    etag = response.headers["ETag"]

    again = await client.get("/static/js/ot.js", headers={"If-None-Match": etag})

    assert again.status == 304
    assert await again.read() == b""
    assert again.headers["ETag"] == etag


async def test_the_editor_bundle_is_sent_gzipped_to_a_browser_that_accepts_it(client: Client):
    raw = (STATIC_DIR / "vendor" / "codemirror.js").read_bytes()
    response = await client.get(
        "/static/vendor/codemirror.js", headers={"Accept-Encoding": "gzip"}, auto_decompress=False
    )
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    body = await response.read()
    assert gzip.decompress(body) == raw
    assert len(body) < len(raw) // 2


async def test_paths_outside_the_static_folder_and_hidden_files_are_not_found(client: Client):
    for path in (
        "/static/../server.py",
        "/static/%2e%2e/pages.py",
        "/static/.hidden",
        "/static/js/",
    ):
        response = await client.get(path)
        assert response.status == 404, path
        assert (await response.json())["error"]["code"] == "not-found"


async def test_a_missing_static_file_is_a_json_404(client: Client):
    response = await client.get("/static/js/nope.js")
    assert response.status == 404
    assert response.content_type == "application/json"


def test_the_pages_have_no_inline_script_style_or_handler_and_no_other_origin():
    for path in OWN_FILES:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            for tag in re.findall(r"<script\b[^>]*>", text):
                assert 'src="/static/' in tag, (path.name, tag)
            assert "<style" not in text
            assert not re.search(r"\sstyle=", text)
            assert not re.search(r"\son[a-z]+=", text)
        fetched = text.replace('xmlns="http://www.w3.org/2000/svg"', "")  # a name, not a fetch
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", fetched, re.I), path.name


def test_every_module_a_page_or_module_imports_exists():
    for path in OWN_FILES:
        if path.suffix not in (".js", ".html"):
            continue
        text = path.read_text(encoding="utf-8")
        for target in re.findall(
            r'(?:from|import|src=|href=)\s*"(\.{1,2}/[^"]+|/static/[^"]+)"', text
        ):
            resolved = (
                STATIC_DIR / target.removeprefix("/static/")
                if target.startswith("/static/")
                else (path.parent / target).resolve()
            )
            assert resolved.is_file(), (path.name, target)


def test_the_vendored_bundle_is_pinned_and_ships_every_bundled_packages_licence():
    package = json.loads((ROOT / "frontend" / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "frontend" / "package-lock.json").read_text(encoding="utf-8"))
    licences = "".join(  # CodeMirror's bundle, and the whiteboard's (vendor/board/)
        (STATIC_DIR / "vendor" / folder / "LICENSES.txt").read_text(encoding="utf-8")
        for folder in (".", "board")
    )
    for section in ("dependencies", "devDependencies"):
        for name, version in package[section].items():
            assert re.fullmatch(r"\d+\.\d+\.\d+", version), (name, version)
            assert lock["packages"][f"node_modules/{name}"]["version"] == version
    for name, version in package["dependencies"].items():
        assert f"\n{name} {version} (MIT)\n" in licences, name
    assert "vendor:" in (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "npm ci" in (ROOT / "Makefile").read_text(encoding="utf-8")
