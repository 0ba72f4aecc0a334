"""Today's frame parser against its msgspec port (bench/msgspec_proto.py): speed, errors, lines.

``python -m bench.msgspec_cmp [--repeats N] [--rounds R] [--edits E] [--only TABLE]`` (needs
``.venv/bin/pip install msgspec``) prints the markdown tables of docs/protocol-parsing.md:

* speed: CPU ns per frame on realistic frames (process time, so other work on a shared
  machine does not count), median of ``N`` repeats; in each repeat every variant runs the same
  number of calls on the same frame, in an order rotated per repeat.
  "today" starts from the frame's bytes as aiohttp does (``bytes.decode`` and then
  :func:`~sessions.protocol.messages.parse_frame`); msgspec decodes the bytes straight (what
  ``WebSocketResponse(decode_text=False)`` would hand over) or aiohttp's text; then
  ``bench.perframe`` (wall time, as it measures) alternated with the port swapped into the
  socket handler;
* errors: what each parser answers to a list of bad frames (code, message, the ref echoed);
* lines: code lines (no blank, comment or docstring lines, no imports) of each parser.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import re
import statistics
import sys
import time
import tokenize
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from bench import perframe
from sessions.protocol import messages
from sessions.protocol.messages import FrameError, Limits
from sessions.web import ws

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ID = "Qm9vdHN0cmFwcGVkSWQxMjM"
SAMPLE_SECONDS = 0.01


def _frame(**fields: Any) -> bytes:
    return orjson.dumps(fields)


FRAMES: dict[str, bytes] = {
    "code-change ops": _frame(
        type="code-change", revision=1234, ops=[311, "x", 1737], opId=f"{CLIENT_ID}-57", ref=57
    ),
    "code-change 2 KB text": perframe.frames(2)[-1].encode(),
    "cursor": _frame(type="cursor", revision=1234, ranges=[{"anchor": 312, "head": 312}]),
    "ping": _frame(type="ping", ref=9),
    "chat-message": _frame(
        type="chat-message", text="Could you walk me through the complexity?", kind="question"
    ),
    "join-session": _frame(
        type="join-session",
        sessionId="k3J9x2LmQa",
        name="Ada Lovelace",
        role="candidate",
        revision=0,
        fullCode=True,
        clientId=CLIENT_ID,
        ref="j1",
    ),
}

DEEP_OPS = b'{"type":"code-change","revision":1,"ops":' + b"[" * 40 + b"]" * 40 + b"}"
BAD_FRAMES: dict[str, bytes] = {
    "wrong type (revision a string)": b'{"type":"cursor","revision":"3","ranges":[]}',
    "missing field (auth token)": b'{"type":"auth","ref":1}',
    "name too long (101)": _frame(type="join-session", sessionId="s", name="n" * 101),
    "blank name": _frame(type="join-session", sessionId="s", name="   "),
    "negative revision": b'{"type":"code-change","revision":-1,"ops":[1]}',
    "huge int (2^53)": b'{"type":"cursor","revision":9007199254740992,"ranges":[]}',
    "huge int (10^23)": b'{"type":"cursor","revision":100000000000000000000000,"ranges":[]}',
    "revision of 4,300 digits": b'{"type":"cursor","revision":' + b"9" * 4300 + b',"ranges":[]}',
    "ref of 4,301 digits": b'{"type":"ping","ref":' + b"7" * 4301 + b"}",
    "bad clientId": _frame(type="join-session", sessionId="s", name="Ada", clientId="short"),
    "both code and ops": b'{"type":"code-change","revision":1,"code":"x","ops":[1]}',
    "neither code nor ops": b'{"type":"code-change","revision":1,"ref":"r7"}',
    "ops without revision": b'{"type":"code-change","ops":[1]}',
    "unknown type (ref r1)": b'{"type":"shout","ref":"r1"}',
    "unknown type, 500 chars": _frame(type="x" * 500),
    "missing type": b'{"ref":1}',
    "type not a string": b'{"type":5}',
    "ranges not a list": b'{"type":"cursor","revision":1,"ranges":{}}',
    "range missing head": b'{"type":"cursor","revision":1,"ranges":[{"anchor":1}]}',
    "101 ranges": _frame(type="cursor", revision=1, ranges=[{"anchor": 1, "head": 1}] * 101),
    "non-object frame": b"[1,2]",
    "invalid JSON (truncated)": b'{"type":"ping"',
    "NaN": b'{"type":"ping","ref":NaN}',
    "too deep (ops, 40 levels)": DEEP_OPS,
    "too deep (unknown field, 40)": b'{"type":"ping","extra":' + b"[" * 40 + b"]" * 40 + b"}",
    "too deep (5,000 levels)": b'{"type":"ping","x":' + b"[" * 5000 + b"]" * 5000 + b"}",
    "lone surrogate in name": b'{"type":"join-session","sessionId":"s","name":"\\ud800"}',
    "ref a boolean": b'{"type":"ping","ref":true}',
    "ref too long (101)": _frame(type="ping", ref="r" * 101),
    "bad chat kind, 500 chars": _frame(type="chat-message", text="hi", kind="k" * 500),
    "blank text": _frame(type="note", text=" \n "),
    "text too long (4001)": _frame(type="note", text="t" * 4001),
    "unknown language": _frame(type="language-change", language="cobol"),
    "bad role": _frame(type="join-session", sessionId="s", name="Ada", role="boss"),
    "invalid UTF-8 in text": b'{"type":"note","text":"\xff"}',
    "invalid UTF-8, unknown field": b'{"type":"ping","x":"\xc3"}',
}


# --- speed ----------------------------------------------------------------------------------


Loop = Callable[[bytes, int], None]


def variants(port: Any, limits: Limits) -> dict[str, Loop]:
    """Each variant parses one frame ``loops`` times (the loop inside: no call per frame)."""
    today, ported = messages.parse_frame, port.parse_frame

    def today_from_bytes(raw: bytes, loops: int) -> None:
        for _ in range(loops):
            today(raw.decode("utf-8"), limits)

    def msgspec_from_bytes(raw: bytes, loops: int) -> None:
        for _ in range(loops):
            ported(raw, limits)

    def msgspec_from_text(raw: bytes, loops: int) -> None:
        for _ in range(loops):
            ported(raw.decode("utf-8"), limits)

    return {
        "today: decode + parse": today_from_bytes,
        "msgspec: bytes": msgspec_from_bytes,
        "msgspec: decode + parse": msgspec_from_text,
    }


def same_fields(today: object, ported: object) -> bool:
    """Whether both parsers read the same values (cursor ranges as anchor/head pairs)."""
    for name in today.__dataclass_fields__:  # type: ignore[attr-defined]
        mine, theirs = getattr(today, name), getattr(ported, name)
        if name == "ranges":
            mine = [(r.anchor, r.head) for r in mine]
            theirs = [(r.anchor, r.head) for r in theirs]
        if mine != theirs:
            return False
    return True


def ns_per_call(run: Loop, raw: bytes, loops: int) -> float:
    started = time.process_time_ns()
    run(raw, loops)
    return (time.process_time_ns() - started) / loops


def speed(port: Any, repeats: int) -> None:
    limits = Limits()
    runs = variants(port, limits)
    names = list(runs)
    print("| frame | bytes | " + " | ".join(f"{name} (ns)" for name in names) + " | ratio |")
    print("|---|--:|" + "--:|" * len(names) + "--:|")
    for label, raw in FRAMES.items():
        today, ported = messages.parse_frame(raw.decode(), limits), port.parse_frame(raw, limits)
        assert same_fields(today, ported), (label, today, ported)
        loops = max(1, int(SAMPLE_SECONDS * 1e9 / ns_per_call(runs[names[0]], raw, 200)))
        samples: dict[str, list[float]] = {name: [] for name in names}
        for repeat in range(repeats):
            for name in names[repeat % len(names) :] + names[: repeat % len(names)]:
                samples[name].append(ns_per_call(runs[name], raw, loops))
        medians = [statistics.median(samples[name]) for name in names]
        cells = " | ".join(f"{ns:,.0f}" for ns in medians)
        print(f"| {label} | {len(raw)} | {cells} | {medians[0] / medians[1]:.2f}x |")
    print(f"\nmedian of {repeats} interleaved repeats; ratio = today / msgspec from bytes")


@contextlib.contextmanager
def swapped_in(port: Any) -> Iterator[None]:
    """The port in the socket handler's place: its parser, and its CodeChange for the routing."""
    swap: list[tuple[object, str, object]] = [
        (ws, "parse_frame", port.parse_frame),
        (ws, "CodeChange", port.CodeChange),
        (ws, "WIRE_TYPES", port.WIRE_TYPES),
        (perframe, "parse_frame", port.parse_frame),
    ]
    saved = [(module, name, getattr(module, name)) for module, name, _ in swap]
    try:
        for module, name, value in swap:
            setattr(module, name, value)
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def perframe_swapped(port: Any, rounds: int, edits: int) -> None:
    """``bench.perframe`` as it is and with the port swapped in, alternated in pairs."""
    pairs = []
    for _ in range(rounds):
        today = _perframe_once(edits)
        with swapped_in(port):
            pairs.append((today, _perframe_once(edits)))
    print("\n| bench.perframe | µs per edit | parse stage µs |\n|---|--:|--:|")
    for label, side in (("today", 0), ("msgspec", 1)):
        edit = statistics.median(pair[side][0] for pair in pairs)
        parse = statistics.median(pair[side][1] for pair in pairs)
        print(f"| {label} | {edit:.1f} | {parse:.1f} |")
    for label, stage in (("per edit", 0), ("parse stage", 1)):
        saved = sorted(today[stage] - ported[stage] for today, ported in pairs)
        print(
            f"| saved {label}, paired median (range) | {statistics.median(saved):.1f} "
            f"({saved[0]:.1f} to {saved[-1]:.1f}) | |"
        )
    print(f"\n{rounds} pairs of runs of {edits} full-text edits each, today first in each pair")


def _perframe_once(edits: int) -> tuple[float, float]:
    out, argv = io.StringIO(), sys.argv
    sys.argv = ["perframe", str(edits)]
    try:
        with contextlib.redirect_stdout(out):
            perframe.main()
    finally:
        sys.argv = argv
    found = re.search(r"ours: +([\d.]+) µs per edit; by stage: .*parse ([\d.]+)", out.getvalue())
    assert found is not None, out.getvalue()
    return float(found[1]), float(found[2])


# --- errors ---------------------------------------------------------------------------------


def refusal(parse: Callable[[], object]) -> str:
    try:
        parsed = parse()
    except FrameError as exc:
        ref = f" (ref {exc.ref!r})" if exc.ref is not None else ""
        said = exc.cause.message.replace("|", "\\|").replace("\n", " ")
        said = said if len(said) < 300 else f"{said[:120]}…{said[-60:]}"
        return f"`{exc.cause.code}`: {said}{ref}"
    except Exception as exc:  # noqa: BLE001 - a crash is a finding here, not a failure
        return f"**{type(exc).__name__}** {str(exc)[:120]}"
    return f"accepted: {str(parsed)[:100]}"


def errors(port: Any) -> None:
    print("| frame | today | msgspec port |\n|---|---|---|")
    for label, raw in BAD_FRAMES.items():
        try:
            today = refusal(partial(messages.parse_frame, raw.decode("utf-8")))
        except UnicodeDecodeError:
            today = "aiohttp closes the socket (1007, invalid UTF-8)"
        ported = refusal(partial(port.parse_frame, raw))
        print(f"| {label} | {today} | {ported} |")


# --- lines ----------------------------------------------------------------------------------


def code_lines(
    path: Path, names: set[str] | None = None, skip: frozenset[str] = frozenset()
) -> int:
    """Lines holding code in the top-level definitions ``names`` (all but imports if None)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    counted: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom) or _name_of(node) in skip:
            continue
        if names is None or _name_of(node) in names:
            counted.update(_span(node))
    return len(counted & _code_only(path))


def _span(node: ast.AST) -> range:
    return range(node.lineno, (node.end_lineno or node.lineno) + 1)  # type: ignore[attr-defined]


def _code_only(path: Path) -> set[int]:
    """The lines of ``path`` that hold a token other than a comment or a docstring."""
    source = path.read_text(encoding="utf-8")
    coded: set[int] = set()
    ignored = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in ignored and token.type != tokenize.ENDMARKER:
            coded.update(range(token.start[0], token.end[0] + 1))
    for node in ast.walk(ast.parse(source)):
        value = node.value if isinstance(node, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            coded.difference_update(_span(node))
    return coded


def _name_of(node: ast.stmt) -> str:
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        return node.name
    target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
    return target.id if isinstance(target, ast.Name) else ""


SERVER_SIDE = frozenset(
    {"__all__", "SERVER_MESSAGE_TYPES", "with_ref", "error_message", "ack_message"}
)
SHARED = {  # defined in today's modules, imported by the port: counted on both sides
    "sessions/protocol/messages.py": {
        "CLIENT_ID_PATTERN",
        "read_client_id",
        "MAX_CURSOR_RANGES",
        "MAX_HISTORY_ID_LENGTH",
        "MAX_OP_ID_LENGTH",
        "MAX_TOKEN_LENGTH",
        "FrameError",
        "Limits",
    },
    "sessions/protocol/fields.py": {"MAX_REF_LENGTH", "MAX_SAFE_INTEGER", "Role"},
}
FRAME_READERS = {"Ref", "read_str", "require_str", "read_name", "read_revision", "read_bool"}
FRAME_READERS |= {"read_role", "read_ref"}
POST_VALIDATION = {"_name", "_text", "MAX_QUOTED", "_Envelope", "_ENVELOPE", "parse_frame"}
POST_VALIDATION |= {"_refused", "_undecodable"}


def lines() -> None:
    messages_py, fields_py = (
        ROOT / "sessions/protocol/messages.py",
        ROOT / "sessions/protocol/fields.py",
    )
    port_py = ROOT / "bench/msgspec_proto.py"
    today = code_lines(messages_py, skip=SERVER_SIDE) + code_lines(
        fields_py, SHARED[str(fields_py.relative_to(ROOT))]
    )
    shared = sum(code_lines(ROOT / path, names) for path, names in SHARED.items())
    readers = code_lines(fields_py, FRAME_READERS)
    port = code_lines(port_py) + shared
    post = code_lines(port_py, POST_VALIDATION) + _check_method_lines(port_py)
    print("| | today | msgspec port |\n|---|--:|--:|")
    print(f"| message module (parse side, with the {shared} shared lines) | {today} | {port} |")
    print(f"| of which after-decode checks and the error path | | {post} |")
    print(f"| frame-only readers in fields.py | {readers} | 0 |")
    print(f"| total | {today + readers} | {port} |")


def _check_method_lines(path: Path) -> int:
    """The ``check`` methods that check something (not the base's docstring-only one)."""
    spans: set[int] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef) and node.name == "check":
            spans.update(_span(node))
    bodies = spans & _code_only(path)
    return len(bodies) - sum(1 for line in bodies if _is_bare_def(path, line))


def _is_bare_def(path: Path, line: int) -> bool:
    """The ``def check`` line of a method whose body is only a docstring."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef) and node.lineno == line and len(node.body) == 1:
            return isinstance(node.body[0], ast.Expr)
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=25, help="interleaved repeats (25)")
    parser.add_argument("--rounds", type=int, default=10, help="bench.perframe pairs (10)")
    parser.add_argument("--edits", type=int, default=6000, help="edits per perframe run (6000)")
    parser.add_argument("--only", choices=("speed", "errors", "lines"), help="one table only")
    args = parser.parse_args()
    try:
        from bench import msgspec_proto as port
    except ModuleNotFoundError as exc:
        raise SystemExit(f"{exc.name} is not installed: .venv/bin/pip install msgspec") from None
    if args.only in (None, "speed"):
        speed(port, args.repeats)
        perframe_swapped(port, args.rounds, args.edits)
    if args.only in (None, "errors"):
        errors(port)
    if args.only in (None, "lines"):
        lines()


if __name__ == "__main__":
    main()
