"""The Go harness: a generated ``main.go`` in the candidate's package (see :mod:`.harness_native`).

``go build`` compiles the candidate's ``solution.go``, ``main.go`` and, for a design problem,
``test_solution.go`` together (all ``package main``). Function-style: each test's input is
decoded by ``encoding/json`` into the declared Go types (``int``, ``int64``, ``float64``,
``bool``, ``string``, ``[]T``, ``map[string]T``), the function is called, and its result is
encoded back (a nil slice or map as ``[]`` / ``{}``). A panic fails that test only
(``recover``); ``check``/``checkEqual`` (``reflect.DeepEqual``) panic with their message.
The harness's own names start with ``hx`` and its imports are aliased, so they do not clash
with the candidate's.
"""

from __future__ import annotations

from sessions.execution.harness import Job
from sessions.execution.harness_native import build_native
from sessions.execution.spec import LanguageSpec
from sessions.interview.problems import Problem
from sessions.interview.signature import Signature, Type

COMMON = r"""
type hxCheckFailed struct{ message string }

var hxResults *hxos.File

func hxEmit(record interface{}) {
	data, err := hxjson.Marshal(record)
	if err != nil {
		data, _ = hxjson.Marshal(map[string]interface{}{"test": map[string]interface{}{
			"name": "harness", "passed": false, "error": err.Error()}})
	}
	hxResults.Write(append(data, '\n'))
}

func hxFailure(r interface{}) string {
	if failed, ok := r.(hxCheckFailed); ok {
		return failed.message
	}
	if err, ok := r.(error); ok {
		return "panic: " + err.Error()
	}
	return hxfmt.Sprint("panic: ", r)
}

func hxStart() {
	if len(hxos.Args) < 3 {
		hxfmt.Fprintln(hxos.Stderr, "harness: results descriptor and folder expected")
		hxos.Exit(2)
	}
	var fd uintptr
	hxfmt.Sscan(hxos.Args[1], &fd)
	hxResults = hxos.NewFile(fd, "results")
}
"""

CALLS = r"""
func hxNormal(v hxreflect.Value) interface{} {
	switch v.Kind() {
	case hxreflect.Slice, hxreflect.Array:
		if v.Kind() == hxreflect.Slice && v.Type().Elem().Kind() == hxreflect.Uint8 {
			return v.Interface()
		}
		out := make([]interface{}, v.Len())
		for i := range out {
			out[i] = hxNormal(v.Index(i))
		}
		return out
	case hxreflect.Map:
		out := map[string]interface{}{}
		iter := v.MapRange()
		for iter.Next() {
			out[hxfmt.Sprint(iter.Key().Interface())] = hxNormal(iter.Value())
		}
		return out
	case hxreflect.Ptr, hxreflect.Interface:
		if v.IsNil() {
			return nil
		}
		return hxNormal(v.Elem())
	case hxreflect.Invalid:
		return nil
	}
	return v.Interface()
}

func hxArg(args []hxjson.RawMessage, i int, into interface{}) {
	if i >= len(args) {
		panic(hxCheckFailed{hxfmt.Sprintf("argument %d is missing", i)})
	}
	if err := hxjson.Unmarshal(args[i], into); err != nil {
		panic(hxCheckFailed{hxfmt.Sprintf("argument %d: %v", i, err)})
	}
}

func hxRun(line string) (actual hxjson.RawMessage, failure interface{}) {
	defer func() {
		if r := recover(); r != nil {
			actual, failure = nil, hxFailure(r)
		}
	}()
	var args []hxjson.RawMessage
	if err := hxjson.Unmarshal([]byte(line), &args); err != nil {
		panic(err)
	}
	result := hxCall(args)
	data, err := hxjson.Marshal(hxNormal(hxreflect.ValueOf(result)))
	if err != nil {
		panic(err)
	}
	return data, nil
}

func main() {
	hxStart()
	data, err := hxos.ReadFile(hxos.Args[2] + "/tests.txt")
	if err != nil {
		panic(err)
	}
	for i, line := range hxstrings.Split(hxstrings.TrimRight(string(data), "\n"), "\n") {
		actual, failure := hxRun(line)
		if actual == nil {
			actual = hxjson.RawMessage("null")
		}
		hxEmit(map[string]interface{}{"call": map[string]interface{}{
			"index": i, "actual": actual, "error": failure}})
	}
}
"""

TESTS = r"""
func check(cond bool, message string) {
	if !cond {
		panic(hxCheckFailed{message})
	}
}

func checkEqual(actual interface{}, expected interface{}) {
	if !hxreflect.DeepEqual(actual, expected) {
		panic(hxCheckFailed{hxfmt.Sprintf("expected %#v, got %#v", expected, actual)})
	}
}

func hxTest(name string, fn func()) {
	var failure interface{}
	func() {
		defer func() {
			if r := recover(); r != nil {
				failure = hxFailure(r)
			}
		}()
		fn()
	}()
	hxEmit(map[string]interface{}{"test": map[string]interface{}{
		"name": name, "passed": failure == nil, "error": failure}})
}

func main() {
	hxStart()
	hxEmit(map[string]int{"total": len(hxTests)})
	for _, t := range hxTests {
		hxTest(t.name, t.fn)
	}
}
"""
_SCALARS = {"int": "int", "long": "int64", "double": "float64", "bool": "bool", "string": "string"}


def go_type(kind: Type) -> str:
    """The Go type of a signature type (docs/languages.md)."""
    if kind.item is None:
        return _SCALARS[kind.kind]
    if kind.kind == "map":
        return f"map[string]{go_type(kind.item)}"
    return f"[]{go_type(kind.item)}"


def _imports(names: list[str]) -> str:
    inner = "".join(f'\thx{n.rsplit("/", 1)[-1]} "{n}"\n' for n in names)
    return f"package main\n\nimport (\n{inner})\n"


def calls_source(signature: Signature, name: str) -> str:
    """``main.go`` for a function-style problem: each input to ``name``'s Go types."""
    lines = [f"\tvar p{i} {go_type(p.type)}\n\thxArg(args, {i}, &p{i})\n" for i, p in
             enumerate(signature.params)]  # fmt: skip
    call = ", ".join(f"p{i}" for i in range(len(signature.params)))
    body = "".join(lines) + f"\treturn {name}({call})\n"
    return (
        _imports(["encoding/json", "fmt", "os", "reflect", "strings"])
        + COMMON
        + CALLS
        + "\nfunc hxCall(args []hxjson.RawMessage) interface{} {\n"
        + body
        + "}\n"
    )


def tests_source(names: list[str]) -> str:
    """``main.go`` for a design problem: the test file's ``test*`` functions in order."""
    table = "".join(f'\t{{"{n}", {n}}},\n' for n in names)
    return (
        _imports(["encoding/json", "fmt", "os", "reflect"])
        + COMMON
        + TESTS
        + "\nvar hxTests = []struct {\n\tname string\n\tfn   func()\n}{\n"
        + table
        + "}\n"
    )


def build(spec: LanguageSpec, code: str, problem: Problem) -> Job | None:
    """The Go job of ``problem`` (None: it has no tests in Go)."""
    return build_native(spec, code, problem, calls_source, tests_source)
