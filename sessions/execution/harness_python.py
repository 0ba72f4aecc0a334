"""The Python harness, as source text run inside the sandbox (see :mod:`.harness`).

It imports the candidate's ``solution`` module (so its top-level prints still show), then
either calls the entry function with each test's input and reports what it returned (the
server compares it with ``expected``, :mod:`.judge`), or
runs each ``test_*`` function of a test file, and writes one JSON line per test to the
results descriptor named on its command line. A test that raises reports the exception.
"""

from sessions.execution.harness import (
    TEST_MODULE,
    Job,
    call_plan,
    function_job,
    test_file,
    tests_job,
)
from sessions.execution.spec import LanguageSpec
from sessions.interview.problems import Problem

SOURCE = r"""
import copy, json, os, sys, traceback

RESULTS = int(sys.argv[1])
SRC = sys.argv[2]
LIMIT = 2000


def emit(record):
    data = (json.dumps(record, default=repr) + "\n").encode()
    while data:
        data = data[os.write(RESULTS, data):]


def normal(value):
    return json.loads(json.dumps(value, default=repr))


def failure(exc):
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    where = ""
    if frames:
        last = frames[-1]
        source = (last.line or "").strip()
        where = " (%s line %s: %s)" % (os.path.basename(last.filename), last.lineno, source)
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return (text + where)[:LIMIT]


def resolve(module, entry):
    target = module
    parts = entry.split(".")
    for i, part in enumerate(parts):
        target = getattr(target, part)
        if isinstance(target, type) and i < len(parts) - 1:
            target = target()
    return target


def run_calls(job):
    entry = job["entry"]
    try:
        import solution
        function = resolve(solution, entry)
    except MemoryError:
        emit({"memory": True})
        raise
    except AttributeError:
        function = None
        problem = "no %r in the code" % entry
    for index, args in enumerate(job["inputs"]):
        record = {"index": index, "actual": None, "error": None}
        if function is None:
            record["error"] = problem
            emit({"call": record})
            continue
        try:
            record["actual"] = normal(function(*copy.deepcopy(args)))
        except MemoryError as exc:
            emit({"memory": True})
            record["error"] = failure(exc)
        except (Exception, SystemExit) as exc:
            record["error"] = failure(exc)
        emit({"call": record})


def run_tests(job):
    try:
        module = __import__(job["module"])
    except MemoryError:
        emit({"memory": True})
        raise
    tests = [(name, value) for name, value in vars(module).items()
             if name.startswith("test") and callable(value)]
    emit({"total": len(tests)})
    for name, function in tests:
        record = {"name": name, "passed": False, "expected": None, "actual": None, "error": None}
        try:
            function()
            record["passed"] = True
        except MemoryError as exc:
            emit({"memory": True})
            record["error"] = failure(exc)
        except (Exception, SystemExit) as exc:
            record["error"] = failure(exc)
        emit({"test": record})


def main():
    sys.path.insert(0, SRC)
    sys.dont_write_bytecode = True
    with open(os.path.join(SRC, "job.json"), encoding="utf-8") as handle:
        job = json.load(handle)
    (run_calls if job["mode"] == "calls" else run_tests)(job)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


try:
    main()
except MemoryError:
    emit({"memory": True})
    traceback.print_exc()
    sys.stderr.flush()
    os._exit(1)
"""


def build(spec: LanguageSpec, code: str, problem: Problem) -> Job | None:
    """The Python job: calls of the entry function, or a pytest-style file's functions."""
    plan = call_plan(problem, spec.id)
    files = {spec.source_name: code, spec.harness_name: SOURCE}
    if plan is not None:
        return function_job(files, plan, script=spec.harness_name)
    text = test_file(problem, spec.id)
    if text is None:
        return None
    return tests_job({**files, TEST_MODULE + ".py": text}, None, script=spec.harness_name)
