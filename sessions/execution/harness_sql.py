"""SQL: the candidate's statements in a fresh SQLite database, inside the sandbox.

The harness is Python (the sandbox's own interpreter and its ``sqlite3`` module). Each run
gets a new in-memory database; for a ``kind: "sql"`` problem it is built from the problem's
schema and seed rows first. The statements run one by one; every statement that returns
rows prints its table on stdout (the run's output shows it), and for a problem the rows of
the last one are reported as the one test's value on the results channel, judged by the
server against ``expected.rows`` (in order when the problem says ``ordered``, else as a
multiset; :mod:`.judge`).
"""

from __future__ import annotations

import json

from sessions.execution.harness import JOB_FILE, CallPlan, Job, function_job
from sessions.execution.judge import Call
from sessions.execution.spec import LanguageSpec
from sessions.interview.problems import Problem

RESULT_NAME = "the rows of the last statement"

SOURCE = r"""
import json, os, sqlite3, sys

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = int(sys.argv[1]) if len(sys.argv) > 1 else None
MAX_ROWS = 200
WIDTH = 40


def emit(record):
    if RESULTS is None:
        return
    data = (json.dumps(record) + "\n").encode()
    while data:
        data = data[os.write(RESULTS, data):]


def statements(text):
    buffer = ""
    for piece in text.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \t\r\n;"):
                yield buffer
            buffer = ""
    if buffer.strip(" \t\r\n;"):
        yield buffer


def cell(value):
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return "x'" + value.hex() + "'"
    text = str(value)
    return text if len(text) <= WIDTH else text[: WIDTH - 3] + "..."


def table(columns, rows):
    shown = [[cell(v) for v in row] for row in rows[:MAX_ROWS]]
    widths = [max([len(c)] + [len(r[i]) for r in shown]) for i, c in enumerate(columns)]
    line = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    out = [line(columns), "-+-".join("-" * w for w in widths)]
    out += [line(r) for r in shown]
    if len(rows) > MAX_ROWS:
        out.append("... (%d more)" % (len(rows) - MAX_ROWS))
    out.append("(%d row%s)" % (len(rows), "" if len(rows) == 1 else "s"))
    print("\n".join(out) + "\n")


def plain(value):
    if isinstance(value, bytes):
        return value.hex()
    return value


def main():
    with open(os.path.join(HERE, "job.json"), encoding="utf-8") as handle:
        job = json.load(handle)
    with open(os.path.join(HERE, "solution.sql"), encoding="utf-8") as handle:
        code = handle.read()
    db = sqlite3.connect(":memory:", isolation_level=None)
    if job.get("schema"):
        db.executescript(job["schema"])
        for name, rows in job["seed"].items():
            for row in rows:
                marks = ", ".join("?" * len(row))
                db.execute('INSERT INTO "%s" VALUES (%s)' % (name, marks), row)
    last = None
    error = None
    for text in statements(code):
        try:
            cursor = db.execute(text)
            rows = cursor.fetchall()
        except (sqlite3.Error, sqlite3.Warning) as exc:
            error = "%s: %s" % (type(exc).__name__, exc)
            print(error, file=sys.stderr)
            break
        if cursor.description is not None:
            columns = [d[0] for d in cursor.description]
            table(columns, rows)
            last = [[plain(v) for v in row] for row in rows]
        else:
            last = None
    if job["mode"] == "calls":
        if error is None and last is None:
            error = "the last statement returned no rows: it must be a SELECT"
        emit({"call": {"index": 0, "actual": last if error is None else None, "error": error}})
    sys.stdout.flush()
    os._exit(0 if error is None or job["mode"] == "calls" else 1)


main()
"""


def _files(spec: LanguageSpec, code: str) -> dict[str, str]:
    return {spec.source_name: code, spec.harness_name: SOURCE}


def plain(spec: LanguageSpec, code: str) -> Job:
    """A free-form run: the statements in an empty database, each result table shown."""
    files = {**_files(spec, code), JOB_FILE: json.dumps({"mode": "free"})}
    return Job(files, spec.harness_name, harnessed=False, total=None)


def build(spec: LanguageSpec, code: str, problem: Problem) -> Job | None:
    """A ``kind: "sql"`` problem: its database, the candidate's statements, one test."""
    sql = problem.sql
    if sql is None:
        return None
    job = function_job(_files(spec, code), _plan(problem), script=spec.harness_name)
    data = json.loads(job.files[JOB_FILE])
    data.update(schema=sql.schema, seed=sql.seed)
    return Job(
        {**job.files, JOB_FILE: json.dumps(data)},
        job.script,
        harnessed=True,
        total=1,
        calls=job.calls,
    )


def _plan(problem: Problem) -> CallPlan:
    assert problem.sql is not None
    call = Call(RESULT_NAME, problem.sql.rows, unordered=not problem.sql.ordered)
    return CallPlan(RESULT_NAME, RESULT_NAME, None, [[]], (call,))
