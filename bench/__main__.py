"""``python -m bench SCENARIO [options]``: the one way into the benchmarks.

Each scenario is a module of bench/ with ``main(argv, prog) -> int``; the first line of its
docstring is what ``--help`` lists, and ``python -m bench SCENARIO --help`` gives its options.
The servers below are processes the scenarios start; they run by hand the same way.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

SCENARIOS = {
    "floor": "bench.floor",
    "paired": "bench.paired",
    "bisect": "bench.bisect",
    "instructions": "bench.instructions",
    "journalwakes": "bench.journalwakes",
    "perframe": "bench.perframe",
    "perrequest": "bench.perrequest",
    "persistence": "bench.persistence",
    "baseencode": "bench.baseencode",
    "threadcpu": "bench.threadcpu",
    "tail": "bench.tail",
    "cluster": "bench.cluster",
    "exec": "bench.execbench",
    "languages": "bench.languages",
    "browser": "bench.browser",
    "replay": "bench.replay",
    "board": "bench.board",
    "profile": "bench.profile",
    "call": "bench.call",
}
SERVERS = {
    "floor-server": "bench.floor_server",
    "preloaded-server": "bench.preloaded_server",
    "bisect-server": "bench.bisect_server",
    "gclog-server": "bench.gclog",
}
COMMANDS = {**SCENARIOS, **SERVERS}


def summary(module: str) -> str:
    doc = importlib.import_module(module).__doc__ or ""
    return doc.strip().splitlines()[0].replace("``", "")


def listing() -> str:
    width = max(map(len, COMMANDS))
    lines = ["scenarios (docs/benchmarks.md):"]
    lines += [f"  {name:<{width}}  {summary(module)}" for name, module in SCENARIOS.items()]
    lines += ["", "servers the scenarios start:"]
    lines += [f"  {name:<{width}}  {summary(module)}" for name, module in SERVERS.items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in COMMANDS:
        parser = argparse.ArgumentParser(
            prog="python -m bench",
            usage="python -m bench SCENARIO [options]   (python -m bench SCENARIO --help)",
            epilog=listing(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.add_argument(
            "scenario", choices=list(COMMANDS), metavar="SCENARIO", help="one of those below"
        )
        parser.parse_args(args[:1])  # --help: the listing, exit 0; else what is wrong, exit 2
    name, options = args[0], args[1:]
    run = importlib.import_module(COMMANDS[name]).main
    code: int = run(options, prog=f"python -m bench {name}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
