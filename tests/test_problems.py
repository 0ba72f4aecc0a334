"""The problem bank: the default problems, custom banks, validation, filters, suggestions."""

from __future__ import annotations

import ast
import bisect
import json
import re
import sys
import types
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessions.errors import BadRequest, DomainError
from sessions.interview.problems import (
    Problem,
    ProblemBank,
    ProblemBankError,
    ProblemNotFound,
    load_bank,
    parse_problem,
    starter_for,
    suggest_next,
)
from sessions.languages import LANGUAGES

DEFAULT = load_bank()
DEFAULT_SLUGS = [
    "binary-search",
    "two-sum",
    "valid-parentheses",
    "word-frequency",
    "lru-cache",
    "matrix-spiral",
    "merge-intervals",
    "rate-limiter",
    "edit-distance",
    "trapping-rain-water",
]
SQL_SLUGS = ["employees-above-manager", "department-payroll"]
ALL_SLUGS = [
    "binary-search",
    "employees-above-manager",
    "two-sum",
    "valid-parentheses",
    "word-frequency",
    "department-payroll",
    "lru-cache",
    "matrix-spiral",
    "merge-intervals",
    "rate-limiter",
    "edit-distance",
    "trapping-rain-water",
]
KNOWN_KEYS = "description, difficulty, entryPoint, signature, slug, starterCode, tags, tests, title"


def problem_json(slug: str = "custom-one", **fields: Any) -> dict[str, Any]:
    """A valid problem object; ``fields`` replace or (when None) remove top-level keys."""
    data: dict[str, Any] = {
        "slug": slug,
        "title": "Custom One",
        "difficulty": "medium",
        "tags": ["arrays"],
        "description": "Return the sum of `nums`.",
        "starterCode": {"python": "def total(nums):\n    pass\n", "javascript": "// TODO\n"},
        "entryPoint": "total",
        "tests": [
            {"input": [[1, 2]], "expected": 3},
            {"input": [[]], "expected": 0},
            {"input": [[-1, 1]], "expected": 0},
        ],
    }
    for key, value in fields.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    return data


def make(slug: str, difficulty: str, *tags: str) -> Problem:
    return parse_problem(problem_json(slug, difficulty=difficulty, tags=list(tags)), slug)


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# ---------------------------------------------------------------- the default bank


def test_default_bank_loads_at_least_eight_problems_of_every_difficulty() -> None:
    assert len(DEFAULT) >= 8
    assert {p.difficulty for p in DEFAULT} == {"easy", "medium", "hard"}


def test_default_bank_lists_easy_then_medium_then_hard_each_by_slug() -> None:
    assert [p.slug for p in DEFAULT.list()] == ALL_SLUGS
    assert [p.slug for p in DEFAULT] == ALL_SLUGS


@pytest.mark.parametrize("slug", DEFAULT_SLUGS)
def test_default_problem_has_python_and_javascript_starter_code(slug: str) -> None:
    problem = DEFAULT.get(slug)
    assert starter_for(problem, "python").strip() != ""
    assert starter_for(problem, "javascript").strip() != ""
    assert set(problem.starter_code) <= set(LANGUAGES)


@pytest.mark.parametrize("slug", DEFAULT_SLUGS)
def test_default_problem_has_three_cases_or_a_test_body_per_language(slug: str) -> None:
    tests = DEFAULT.get(slug).tests
    if isinstance(tests, list):
        assert len(tests) >= 3
    else:
        # Every language that runs has a test file; Swift's starter is for the editor only.
        assert set(tests) == set(DEFAULT.get(slug).starter_code) - {"swift"}


@pytest.mark.parametrize("slug", DEFAULT_SLUGS)
def test_default_problem_file_is_named_after_its_slug_and_round_trips(slug: str) -> None:
    problem = DEFAULT.get(slug)
    path = Path(problem.source)
    assert path.name == f"{slug}.json"
    assert problem.to_json() == json.loads(path.read_text(encoding="utf-8"))
    assert parse_problem(problem.to_json(), problem.source) == problem


@pytest.mark.parametrize("slug", DEFAULT_SLUGS)
def test_default_python_starter_parses_and_defines_its_entry_point(slug: str) -> None:
    problem = DEFAULT.get(slug)
    tree = ast.parse(starter_for(problem, "python"))
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    entry = problem.entry_point
    name = entry["python"] if isinstance(entry, Mapping) else entry
    assert defined == {name}


def test_summary_lists_the_starter_code_languages() -> None:
    assert DEFAULT.get("two-sum").summary() == {
        "slug": "two-sum",
        "title": "Two Sum",
        "difficulty": "easy",
        "tags": ["arrays", "hash-map"],
        "languages": [lang for lang in LANGUAGES if lang not in ("sql", "plaintext")],
    }


def test_to_json_omits_entry_point_when_unset_and_copies_tests() -> None:
    problem = parse_problem(problem_json(entryPoint=None), "x.json")
    out = problem.to_json()
    assert list(out) == [
        "slug",
        "title",
        "difficulty",
        "tags",
        "description",
        "starterCode",
        "tests",
    ]
    out["tests"][0]["expected"] = 99
    assert problem.tests[0]["expected"] == 3


def test_starter_for_returns_empty_string_for_a_language_without_starter_code() -> None:
    problem = DEFAULT.get("two-sum")
    assert starter_for(problem, "plaintext") == ""
    assert starter_for(problem, "python").startswith("def two_sum(nums: list[int], target: int)")


# ---------------------------------------------------------------- lookups and filters


def test_list_filters_by_difficulty() -> None:
    assert [p.slug for p in DEFAULT.list(difficulty="hard")] == [
        "edit-distance",
        "trapping-rain-water",
    ]


def test_list_filters_by_tag() -> None:
    assert [p.slug for p in DEFAULT.list(tag="design")] == ["lru-cache", "rate-limiter"]
    assert [p.slug for p in DEFAULT.list(tag="arrays")] == [
        "binary-search",
        "two-sum",
        "matrix-spiral",
        "merge-intervals",
        "trapping-rain-water",
    ]
    assert DEFAULT.list(tag="no-such-tag") == []


def test_list_filters_by_difficulty_and_tag_together() -> None:
    assert [p.slug for p in DEFAULT.list(difficulty="easy", tag="hash-map")] == [
        "two-sum",
        "word-frequency",
    ]


def test_list_rejects_an_unknown_difficulty_naming_the_parameter() -> None:
    with pytest.raises(BadRequest) as caught:
        DEFAULT.list(difficulty="trivial")
    assert caught.value.code == "bad-request"
    assert caught.value.message == (
        "parameter 'difficulty' must be one of easy, medium, hard (got 'trivial')"
    )
    assert caught.value.extra == {"parameter": "difficulty"}


def test_get_unknown_slug_raises_problem_not_found() -> None:
    with pytest.raises(ProblemNotFound) as caught:
        DEFAULT.get("fizz-buzz")
    assert isinstance(caught.value, DomainError)
    assert caught.value.code == "problem-not-found"
    assert caught.value.status == 404
    assert caught.value.http_code == "not-found"
    assert caught.value.message == "no problem has slug 'fizz-buzz'"
    assert caught.value.extra == {"slug": "fizz-buzz"}


def test_bank_supports_len_and_contains() -> None:
    assert len(DEFAULT) == len(ALL_SLUGS)
    assert "two-sum" in DEFAULT
    assert "fizz-buzz" not in DEFAULT
    assert 42 not in DEFAULT


# ---------------------------------------------------------------- custom banks


def test_load_bank_adds_a_file_holding_one_problem_to_the_default(tmp_path: Path) -> None:
    path = write(tmp_path / "custom-one.json", problem_json())
    bank = load_bank([path])
    assert len(bank) == len(ALL_SLUGS) + 1
    assert bank.get("custom-one").source == str(path)
    assert bank.get("custom-one").entry_point == "total"
    assert "two-sum" in bank


def test_load_bank_reads_a_file_holding_a_list_instead_of_the_default(tmp_path: Path) -> None:
    path = write(tmp_path / "bank.json", [problem_json("b-two"), problem_json("a-one")])
    bank = load_bank([path], include_default=False)
    assert [p.slug for p in bank.list()] == ["a-one", "b-two"]
    assert bank.get("b-two").source == f"{path}[0]"
    assert "two-sum" not in bank


def test_load_bank_reads_the_json_files_of_a_folder_but_not_its_subfolders(
    tmp_path: Path,
) -> None:
    write(tmp_path / "first.json", problem_json("first"))
    write(tmp_path / "more.json", [problem_json("second"), problem_json("third")])
    (tmp_path / "notes.txt").write_text("not a problem", encoding="utf-8")
    (tmp_path / "nested").mkdir()
    write(tmp_path / "nested" / "deep.json", problem_json("deep"))
    alone = load_bank([tmp_path], include_default=False)
    assert [p.slug for p in alone] == ["first", "second", "third"]
    combined = load_bank([tmp_path])
    assert len(combined) == len(ALL_SLUGS) + 3


def test_load_bank_with_no_default_and_no_paths_is_empty() -> None:
    assert len(load_bank(include_default=False)) == 0


def test_load_bank_rejects_a_path_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    with pytest.raises(ProblemBankError) as caught:
        load_bank([missing])
    assert str(caught.value) == f"{missing}: no such file or folder"
    assert caught.value.path == str(missing)
    assert caught.value.field is None


# ---------------------------------------------------------------- invalid banks


def _bank_error(tmp_path: Path, text: str, name: str = "custom-one.json") -> ProblemBankError:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProblemBankError) as caught:
        load_bank([path], include_default=False)
    return caught.value


def test_invalid_json_names_the_file_line_and_column(tmp_path: Path) -> None:
    error = _bank_error(tmp_path, '{\n  "slug": "custom-one",\n  "title": ,\n}\n')
    path = tmp_path / "custom-one.json"
    assert str(error) == f"{path}: invalid JSON at line 3 column 12: Expecting value"
    assert (error.path, error.field) == (str(path), None)


def test_a_key_twice_in_one_object_names_the_key(tmp_path: Path) -> None:
    error = _bank_error(tmp_path, '{"slug": "a", "slug": "b"}')
    assert str(error) == f"{tmp_path / 'custom-one.json'}: field 'slug' appears twice in one object"


def test_nan_is_rejected_as_invalid_json(tmp_path: Path) -> None:
    error = _bank_error(tmp_path, '{"slug": NaN}')
    path = tmp_path / "custom-one.json"
    assert str(error) == f"{path}: invalid JSON: NaN is not a JSON number"


INVALID_FIELDS: list[tuple[str, dict[str, Any], str, str]] = [
    ("missing field", {"description": None}, "description", "is required"),
    ("wrong type", {"title": 42}, "title", "must be a string (got number)"),
    ("empty title", {"title": "  "}, "title", "must not be empty"),
    (
        "bad difficulty",
        {"difficulty": "trivial"},
        "difficulty",
        "must be one of easy, medium, hard (got 'trivial')",
    ),
    (
        "unknown language",
        {"starterCode": {"python": "", "javascript": "", "cobol": ""}},
        "starterCode",
        f"has unknown language 'cobol' (known: {', '.join(LANGUAGES)})",
    ),
    ("no javascript", {"starterCode": {"python": ""}}, "starterCode", "must have 'javascript'"),
    (
        "starter not text",
        {"starterCode": {"python": "", "javascript": 7}},
        "starterCode.javascript",
        "must be a string (got number)",
    ),
    (
        "unknown key",
        {"hints": ["sort first"]},
        "hints",
        f"is not a known field (known: {KNOWN_KEYS})",
    ),
    ("no tags", {"tags": []}, "tags", "must be a non-empty array (got array)"),
    (
        "bad tag",
        {"tags": ["arrays", "Hash Map"]},
        "tags[1]",
        "must be lower-case kebab-case like 'two-sum' (got 'Hash Map')",
    ),
    ("repeated tag", {"tags": ["arrays", "arrays"]}, "tags[1]", "repeats 'arrays'"),
    (
        "tests wrong type",
        {"tests": "run it"},
        "tests",
        "must be an array or an object (got string)",
    ),
    (
        "too few tests",
        {"tests": [{"input": [], "expected": 0}]},
        "tests",
        "must have at least 3 cases (got 1)",
    ),
    (
        "test without expected",
        {"tests": [{"input": []}] * 3},
        "tests[0].expected",
        "is required (known: expected, input)",
    ),
    (
        "test with extra key",
        {"tests": [{"input": [], "expected": 0, "hidden": True}] * 3},
        "tests[0].hidden",
        "is not a known field (known: expected, input)",
    ),
    (
        "test input not a list",
        {"tests": [{"input": [1], "expected": 1}, {"input": 2, "expected": 2}] * 2},
        "tests[1].input",
        "must be an array of arguments (got number)",
    ),
    (
        "test body in unknown language",
        {"tests": {"python": "def test_x(): pass", "brainfuck": "+"}},
        "tests",
        f"has unknown language 'brainfuck' (known: {', '.join(LANGUAGES)})",
    ),
    ("empty test body", {"tests": {"python": ""}}, "tests.python", "must not be empty"),
    (
        "entry point not an identifier",
        {"entryPoint": "two sum"},
        "entryPoint",
        "must be an identifier like 'two_sum' (got 'two sum')",
    ),
    (
        "entry point for a language without starter code",
        {"entryPoint": {"python": "total", "java": "Solution.total"}},
        "entryPoint.java",
        "names a language with no starterCode",
    ),
    ("entry point wrong type", {"entryPoint": []}, "entryPoint", "must be a string (got array)"),
]


@pytest.mark.parametrize(
    ("fields", "field", "detail"),
    [case[1:] for case in INVALID_FIELDS],
    ids=[case[0] for case in INVALID_FIELDS],
)
def test_invalid_field_names_the_file_and_the_field(
    tmp_path: Path, fields: dict[str, Any], field: str, detail: str
) -> None:
    error = _bank_error(tmp_path, json.dumps(problem_json(**fields)))
    path = tmp_path / "custom-one.json"
    assert str(error) == f"{path}: field {field!r} {detail}"
    assert (error.path, error.field) == (str(path), field)


def test_bad_slug_names_the_file_and_the_slug_field(tmp_path: Path) -> None:
    error = _bank_error(tmp_path, json.dumps([problem_json("Two_Sum")]), name="bank.json")
    assert str(error) == (
        f"{tmp_path / 'bank.json'}[0]: field 'slug' "
        "must be lower-case kebab-case like 'two-sum' (got 'Two_Sum')"
    )


def test_a_file_holding_one_problem_must_be_named_after_its_slug(tmp_path: Path) -> None:
    error = _bank_error(tmp_path, json.dumps(problem_json("custom-two")))
    assert str(error) == (
        f"{tmp_path / 'custom-one.json'}: field 'slug' "
        "must equal the file name 'custom-one' (got 'custom-two')"
    )


def test_an_invalid_problem_in_a_list_is_named_by_its_index(tmp_path: Path) -> None:
    text = json.dumps([problem_json("good"), problem_json("bad", difficulty="expert")])
    error = _bank_error(tmp_path, text, name="bank.json")
    assert error.path == f"{tmp_path / 'bank.json'}[1]"
    assert error.field == "difficulty"


def test_a_file_holding_neither_an_object_nor_a_list_is_rejected(tmp_path: Path) -> None:
    error = _bank_error(tmp_path, '"two-sum"')
    path = tmp_path / "custom-one.json"
    assert str(error) == f"{path}: must be a problem object (got string)"


def test_duplicate_slug_across_custom_files_names_both_files(tmp_path: Path) -> None:
    first = write(tmp_path / "a.json", [problem_json("same")])
    second = write(tmp_path / "same.json", problem_json("same"))
    with pytest.raises(ProblemBankError) as caught:
        load_bank([tmp_path], include_default=False)
    assert str(caught.value) == (
        f"{second}: field 'slug' duplicates 'same', already defined in {first}[0]"
    )
    assert (caught.value.path, caught.value.field) == (str(second), "slug")


def test_duplicate_slug_of_a_default_problem_names_both_files(tmp_path: Path) -> None:
    path = write(tmp_path / "two-sum.json", problem_json("two-sum"))
    with pytest.raises(ProblemBankError) as caught:
        load_bank([path])
    default = DEFAULT.get("two-sum").source
    assert str(caught.value) == (
        f"{path}: field 'slug' duplicates 'two-sum', already defined in {default}"
    )


def test_problem_bank_error_is_not_a_domain_error() -> None:
    assert not issubclass(ProblemBankError, DomainError)


# ---------------------------------------------------------------- suggest_next


def test_suggest_next_prefers_the_next_difficulty_with_the_most_shared_tags() -> None:
    solved = make("solved", "easy", "arrays", "hash-map")
    bank = ProblemBank(
        [
            solved,
            make("m-arrays", "medium", "arrays"),
            make("m-both", "medium", "hash-map", "arrays", "graphs"),
            make("m-graphs", "medium", "graphs"),
            make("e-both", "easy", "arrays", "hash-map"),
            make("h-both", "hard", "arrays", "hash-map"),
        ]
    )
    assert suggest_next(bank, solved) == bank.get("m-both")


def test_suggest_next_breaks_a_tie_in_shared_tags_by_slug() -> None:
    solved = make("solved", "easy", "arrays", "hash-map")
    bank = ProblemBank([solved, make("m-z", "medium", "arrays"), make("m-a", "medium", "hash-map")])
    assert suggest_next(bank, solved) == bank.get("m-a")


def test_suggest_next_falls_back_to_the_same_difficulty_with_shared_tags() -> None:
    solved = make("solved", "easy", "strings")
    bank = ProblemBank(
        [
            solved,
            make("m-graphs", "medium", "graphs"),
            make("e-other", "easy", "graphs"),
            make("e-strings", "easy", "strings"),
        ]
    )
    assert suggest_next(bank, solved) == bank.get("e-strings")


def test_suggest_next_falls_back_to_any_problem_at_the_next_difficulty() -> None:
    solved = make("solved", "easy", "strings")
    bank = ProblemBank(
        [
            solved,
            make("m-trees", "medium", "trees"),
            make("m-graphs", "medium", "graphs"),
            make("e-other", "easy", "graphs"),
            make("h-strings", "hard", "strings"),
        ]
    )
    assert suggest_next(bank, solved) == bank.get("m-graphs")


def test_suggest_next_after_hard_stays_at_hard_with_shared_tags() -> None:
    solved = make("solved", "hard", "dp", "strings")
    bank = ProblemBank(
        [solved, make("h-graphs", "hard", "graphs"), make("h-strings", "hard", "strings")]
    )
    assert suggest_next(bank, solved) == bank.get("h-strings")


def test_suggest_next_after_hard_returns_none_without_shared_tags() -> None:
    solved = make("solved", "hard", "dp")
    bank = ProblemBank([solved, make("h-graphs", "hard", "graphs"), make("m-dp", "medium", "dp")])
    assert suggest_next(bank, solved) is None


def test_suggest_next_skips_excluded_slugs() -> None:
    solved = make("solved", "easy", "arrays")
    bank = ProblemBank(
        [solved, make("m-first", "medium", "arrays"), make("m-second", "medium", "arrays")]
    )
    assert suggest_next(bank, solved, exclude={"m-first"}) == bank.get("m-second")
    assert suggest_next(bank, solved, exclude=["m-first", "m-second"]) is None


def test_suggest_next_never_returns_the_solved_problem() -> None:
    solved = make("solved", "easy", "arrays")
    assert suggest_next(ProblemBank([solved]), solved) is None


def test_suggest_next_in_the_default_bank() -> None:
    assert suggest_next(DEFAULT, DEFAULT.get("two-sum")) == DEFAULT.get("lru-cache")
    assert suggest_next(DEFAULT, DEFAULT.get("valid-parentheses")) == DEFAULT.get("word-frequency")
    assert suggest_next(DEFAULT, DEFAULT.get("merge-intervals")) == DEFAULT.get(
        "trapping-rain-water"
    )
    assert suggest_next(DEFAULT, DEFAULT.get("edit-distance")) is None


@given(
    st.sampled_from(DEFAULT_SLUGS),
    st.sets(st.sampled_from(DEFAULT_SLUGS)),
)
def test_suggest_next_stays_at_the_same_or_next_difficulty_and_outside_exclude(
    solved_slug: str, exclude: set[str]
) -> None:
    solved = DEFAULT.get(solved_slug)
    suggestion = suggest_next(DEFAULT, solved, exclude)
    if suggestion is not None:
        assert suggestion.slug not in exclude | {solved_slug}
        order = ["easy", "medium", "hard"]
        step = order.index(suggestion.difficulty) - order.index(solved.difficulty)
        assert step in (0, 1)
        if step == 0:
            assert set(suggestion.tags) & set(solved.tags)


# ---------------------------------------------------------------- the expected values are right


def ref_two_sum(nums: list[int], target: int) -> list[int]:
    pairs = [
        [i, j]
        for i in range(len(nums))
        for j in range(i + 1, len(nums))
        if nums[i] + nums[j] == target
    ]
    if len(pairs) != 1:
        raise ValueError(f"expected exactly one pair, found {pairs}")
    return pairs[0]


def ref_is_valid(s: str) -> bool:
    closing = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for char in s:
        if char in closing:
            if not stack or stack.pop() != closing[char]:
                return False
        else:
            stack.append(char)
    return not stack


def ref_search(nums: list[int], target: int) -> int:
    i = bisect.bisect_left(nums, target)
    return i if i < len(nums) and nums[i] == target else -1


def ref_top_words(text: str, k: int) -> list[str]:
    counts = Counter(word.lower() for word in re.findall(r"[A-Za-z]+", text))
    return sorted(counts, key=lambda word: (-counts[word], word))[:k]


def ref_merge(intervals: list[list[int]]) -> list[list[int]]:
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def ref_spiral_order(matrix: list[list[int]]) -> list[int]:
    rows = [list(row) for row in matrix]
    out: list[int] = []
    while rows:
        out += rows.pop(0)
        rows = [list(row) for row in zip(*rows, strict=True)][::-1]
    return out


def ref_trap(height: list[int]) -> int:
    left = [max(height[: i + 1]) for i in range(len(height))]
    right = [max(height[i:]) for i in range(len(height))]
    return sum(min(lo, hi) - h for lo, hi, h in zip(left, right, height, strict=True))


def ref_min_distance(word1: str, word2: str) -> int:
    row = list(range(len(word2) + 1))
    for i, a in enumerate(word1, 1):
        previous, row[0] = row[0], i
        for j, b in enumerate(word2, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (a != b))
    return row[-1]


REFERENCE: dict[str, Callable[..., Any]] = {
    "two-sum": ref_two_sum,
    "valid-parentheses": ref_is_valid,
    "binary-search": ref_search,
    "word-frequency": ref_top_words,
    "merge-intervals": ref_merge,
    "matrix-spiral": ref_spiral_order,
    "trapping-rain-water": ref_trap,
    "edit-distance": ref_min_distance,
}
CASES = [
    pytest.param(p.slug, case["input"], case["expected"], id=f"{p.slug}-{i}")
    for p in DEFAULT
    if isinstance(p.tests, list)
    for i, case in enumerate(p.tests)
]


def test_every_default_problem_with_cases_has_a_reference_solution() -> None:
    assert sorted(p.slug for p in DEFAULT if isinstance(p.tests, list)) == sorted(REFERENCE)


@pytest.mark.parametrize(("slug", "arguments", "expected"), CASES)
def test_reference_solution_returns_the_expected_value(
    slug: str, arguments: list[Any], expected: Any
) -> None:
    result = REFERENCE[slug](*json.loads(json.dumps(arguments)))
    assert json.loads(json.dumps(result)) == expected


class RefLRUCache:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.items: OrderedDict[int, int] = OrderedDict()

    def get(self, key: int) -> int:
        if key not in self.items:
            return -1
        self.items.move_to_end(key)
        return self.items[key]

    def put(self, key: int, value: int) -> None:
        self.items[key] = value
        self.items.move_to_end(key)
        if len(self.items) > self.capacity:
            self.items.popitem(last=False)


class RefRateLimiter:
    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.log: dict[str, deque[float]] = {}

    def allow(self, client: str, now: float) -> bool:
        times = self.log.setdefault(client, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True


DESIGN_REFERENCE: dict[str, dict[str, type]] = {
    "lru-cache": {"LRUCache": RefLRUCache},
    "rate-limiter": {"RateLimiter": RefRateLimiter},
}


def _python_test_functions(
    slug: str, solution: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Callable[[], None]]:
    module = types.ModuleType("solution")
    module.__dict__.update({k: v for k, v in solution.items() if not k.startswith("__")})
    monkeypatch.setitem(sys.modules, "solution", module)
    namespace: dict[str, Any] = {}
    exec(compile(DEFAULT.get(slug).tests["python"], f"{slug}-tests.py", "exec"), namespace)
    return {name: fn for name, fn in namespace.items() if name.startswith("test_")}


def test_every_default_problem_with_test_bodies_has_a_reference_design() -> None:
    assert sorted(p.slug for p in DEFAULT if isinstance(p.tests, dict)) == sorted(DESIGN_REFERENCE)


@pytest.mark.parametrize("slug", sorted(DESIGN_REFERENCE))
def test_python_test_body_passes_against_a_reference_design(
    slug: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tests = _python_test_functions(slug, DESIGN_REFERENCE[slug], monkeypatch)
    assert len(tests) >= 3
    for test in tests.values():
        test()


@pytest.mark.parametrize("slug", sorted(DESIGN_REFERENCE))
def test_python_test_body_fails_against_the_starter_code(
    slug: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    starter: dict[str, Any] = {}
    exec(starter_for(DEFAULT.get(slug), "python"), starter)
    tests = _python_test_functions(slug, starter, monkeypatch)
    assert len(tests) >= 3
    for test in tests.values():
        with pytest.raises(AssertionError):
            test()
