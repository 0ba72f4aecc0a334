"""The Python harness, as source text run inside the sandbox (see :mod:`.harness`).

It imports the candidate's ``solution`` module (so its top-level prints still show), then
either calls the entry function with each test's input and compares with ``expected``, or
runs each ``test_*`` function of a test file, and writes one JSON line per test to the
results descriptor named on its command line. A test that raises reports the exception.
"""

SOURCE = r"""
import copy, json, math, os, sys, traceback

RESULTS = int(sys.argv[1])
SRC = sys.argv[2]
LIMIT = 2000


def emit(record):
    data = (json.dumps(record, default=repr) + "\n").encode()
    while data:
        data = data[os.write(RESULTS, data):]


def shown(value):
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)[:LIMIT]
    if len(text) > LIMIT:
        return text[:LIMIT] + "..."
    return json.loads(text)


def normal(value):
    return json.loads(json.dumps(value, default=repr))


def same(actual, expected):
    if isinstance(expected, float) or isinstance(actual, float):
        if isinstance(actual, (int, float)) and isinstance(expected, (int, float)):
            return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(map(same, actual, expected))
    if isinstance(expected, dict) and isinstance(actual, dict):
        if actual.keys() != expected.keys():
            return False
        return all(same(actual[k], expected[k]) for k in expected)
    return type(actual) is type(expected) and actual == expected


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


def call_name(entry, args):
    inner = ", ".join(json.dumps(arg) for arg in args)
    name = "%s(%s)" % (entry, inner)
    return name if len(name) <= 120 else name[:117] + "..."


def run_calls(job):
    tests = job["tests"]
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
    for case in tests:
        args = case["input"]
        record = {"name": call_name(entry, args), "passed": False, "expected": case["expected"],
                  "actual": None, "error": None}
        if function is None:
            record["error"] = problem
            emit({"test": record})
            continue
        try:
            actual = function(*copy.deepcopy(args))
            record["actual"] = shown(actual)
            record["passed"] = same(normal(actual), case["expected"])
        except MemoryError as exc:
            emit({"memory": True})
            record["error"] = failure(exc)
        except (Exception, SystemExit) as exc:
            record["error"] = failure(exc)
        emit({"test": record})


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
