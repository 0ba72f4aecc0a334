"""The problem bank: interview problems loaded from JSON, checked strictly at start-up.

A problem is one JSON object::

    {"slug": "two-sum", "title": "Two Sum", "difficulty": "easy",
     "tags": ["arrays", "hash-map"], "description": "<Markdown>",
     "starterCode": {"python": "...", "javascript": "..."},
     "entryPoint": "two_sum" | {"python": "two_sum", ...},       (optional)
     "signature": {"function": "two_sum", "params": [...], "returns": "int[]"}, (optional)
     "tests": [{"input": [<positional args>], "expected": <value>}, ...]
              | {"python": "<pytest body>", "javascript": "<node:test body>"}}

or an SQL question (``"kind": "sql"``, see :mod:`sessions.interview.problem_kinds`).

The default bank ships in ``sessions/interview/data/problems/``, one ``<slug>.json`` per
problem. More
banks come from files (one object, or a list of them) and folders of such files. A bad bank
is a start-up error, :class:`ProblemBankError`, naming the file and the field; asking for a
problem that is not there is a client error, :class:`ProblemNotFound`.
"""

from __future__ import annotations

import builtins
import copy
import json
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sessions.errors import BadRequest, DomainError
from sessions.interview import problem_kinds as kinds
from sessions.languages import LANGUAGES

DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")
REQUIRED_LANGUAGES: tuple[str, ...] = ("python", "javascript")
MIN_TESTS = 3
DEFAULT_PACKAGE = "sessions.interview"
DEFAULT_FOLDER = ("data", "problems")

_REQUIRED_KEYS = ("slug", "title", "difficulty", "tags", "description", "starterCode", "tests")
_KEYS = frozenset((*_REQUIRED_KEYS, "entryPoint", "signature", *kinds.SQL_KEYS))
_TEST_KEYS = frozenset(("input", "expected"))
_KEBAB = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*")
_RANK = {name: rank for rank, name in enumerate(DIFFICULTIES)}
_KNOWN_LANGUAGES = frozenset(LANGUAGES)


class ProblemBankError(Exception):
    """The bank is invalid: unreadable, not JSON, a bad field, or a slug defined twice.

    Raised at start-up, never to a client. ``path`` is the file (``file[i]`` for the i-th
    problem of a list); ``field`` is the offending field, or None for file-level errors.
    """

    def __init__(self, path: str, field: str | None, detail: str) -> None:
        prefix = f"{path}: field {field!r} " if field is not None else f"{path}: "
        super().__init__(prefix + detail)
        self.path = path
        self.field = field


class ProblemNotFound(DomainError):
    """No problem in the bank has the requested slug. ``extra["slug"]`` carries it."""

    code = "problem-not-found"
    status = 404


@dataclass(frozen=True, slots=True)
class Problem:
    """One interview problem. ``tests`` is the raw JSON value: a list of input/expected
    pairs, or an object of per-language test-file bodies."""

    slug: str
    title: str
    difficulty: str
    tags: tuple[str, ...]
    description: str
    starter_code: Mapping[str, str] = field(hash=False)
    tests: Any = field(hash=False)
    entry_point: str | Mapping[str, str] | None = field(default=None, hash=False)
    source: str = field(default="", compare=False)
    signature: kinds.Signature | None = field(default=None, hash=False)
    sql: kinds.SqlQuestion | None = field(default=None, hash=False)

    @property
    def kind(self) -> str:
        """``sql``, ``design`` (per-language test files) or ``function`` (input/expected)."""
        if self.sql is not None:
            return "sql"
        return "design" if isinstance(self.tests, Mapping) else "function"

    def summary(self) -> dict[str, Any]:
        """The listing form: slug, title, difficulty, tags and the starter-code languages."""
        return {
            "slug": self.slug,
            "title": self.title,
            "difficulty": self.difficulty,
            "tags": list(self.tags),
            "languages": list(self.starter_code),
        }

    def to_json(self) -> dict[str, Any]:
        """The full camelCase JSON form, as in the bank files (a copy: safe to mutate)."""
        out: dict[str, Any] = {
            "slug": self.slug,
            "title": self.title,
            "difficulty": self.difficulty,
            "tags": list(self.tags),
            "description": self.description,
            "starterCode": dict(self.starter_code),
        }
        if self.sql is not None:
            out.update({"kind": "sql", **self.sql.to_json()})
        else:
            out["tests"] = copy.deepcopy(self.tests)
        if self.signature is not None:
            out["signature"] = self.signature.to_json()
        if isinstance(self.entry_point, Mapping):
            out["entryPoint"] = dict(self.entry_point)
        elif self.entry_point is not None:
            out["entryPoint"] = self.entry_point
        return out


def _json_type(value: object) -> str:
    if value is None or isinstance(value, bool):
        return "null" if value is None else "boolean"
    if isinstance(value, int | float):
        return "number"
    names = ((str, "string"), (list, "array"), (dict, "object"))
    return next((name for kind, name in names if isinstance(value, kind)), type(value).__name__)


class _Checker:
    """Field checks for one problem; every failure names ``source`` and the field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, name: str, detail: str) -> ProblemBankError:
        return ProblemBankError(self.source, name, detail)

    def string(self, value: object, name: str, *, empty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(name, f"must be a string (got {_json_type(value)})")
        if not empty and not value.strip():
            raise self.fail(name, "must not be empty")
        return value

    def kebab(self, value: object, name: str) -> str:
        text = self.string(value, name)
        if not _KEBAB.fullmatch(text):
            raise self.fail(name, f"must be lower-case kebab-case like 'two-sum' (got {text!r})")
        return text

    def languages(
        self, value: object, name: str, *, required: Sequence[str] = ()
    ) -> dict[str, str]:
        """An object of language id -> string, returned in :data:`LANGUAGES` order."""
        if not isinstance(value, dict) or not value:
            raise self.fail(name, f"must be a non-empty object (got {_json_type(value)})")
        for language in value:
            if language not in _KNOWN_LANGUAGES:
                known = ", ".join(LANGUAGES)
                raise self.fail(name, f"has unknown language {language!r} (known: {known})")
        for language in required:
            if language not in value:
                raise self.fail(name, f"must have {language!r}")
        empty = name == "starterCode"
        return {
            lang: self.string(value[lang], f"{name}.{lang}", empty=empty)
            for lang in LANGUAGES
            if lang in value
        }

    def tags(self, value: object) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail("tags", f"must be a non-empty array (got {_json_type(value)})")
        tags = tuple(self.kebab(tag, f"tags[{i}]") for i, tag in enumerate(value))
        for i, tag in enumerate(tags):
            if tag in tags[:i]:
                raise self.fail(f"tags[{i}]", f"repeats {tag!r}")
        return tags

    def identifier(self, value: object, name: str) -> str:
        text = self.string(value, name)
        if not _IDENTIFIER.fullmatch(text):
            raise self.fail(name, f"must be an identifier like 'two_sum' (got {text!r})")
        return text

    def entry_point(self, value: object, starter: Mapping[str, str]) -> str | Mapping[str, str]:
        """One name for every language, or an object of language -> name."""
        if not isinstance(value, dict):
            return self.identifier(value, "entryPoint")
        names = self.languages(value, "entryPoint")
        for language, name in names.items():
            if language not in starter:
                raise self.fail(f"entryPoint.{language}", "names a language with no starterCode")
            self.identifier(name, f"entryPoint.{language}")
        return MappingProxyType(names)

    def tests(self, value: object) -> Any:
        if isinstance(value, dict):
            return self.languages(value, "tests")
        if not isinstance(value, list):
            raise self.fail("tests", f"must be an array or an object (got {_json_type(value)})")
        if len(value) < MIN_TESTS:
            raise self.fail("tests", f"must have at least {MIN_TESTS} cases (got {len(value)})")
        for i, case in enumerate(value):
            where = f"tests[{i}]"
            if not isinstance(case, dict):
                raise self.fail(where, f"must be an object (got {_json_type(case)})")
            wrong = sorted(_TEST_KEYS.symmetric_difference(case))
            if wrong:
                problem = "is required" if wrong[0] in _TEST_KEYS else "is not a known field"
                raise self.fail(f"{where}.{wrong[0]}", f"{problem} (known: expected, input)")
            if not isinstance(case["input"], list):
                got = _json_type(case["input"])
                raise self.fail(f"{where}.input", f"must be an array of arguments (got {got})")
        return value


def parse_problem(data: object, source: str) -> Problem:
    """Check one decoded problem object field by field and build the :class:`Problem`.

    Raises :class:`ProblemBankError` naming ``source`` and the first bad field: an unknown
    or missing key, a wrong JSON type, a difficulty outside easy/medium/hard, a slug or tag
    that is not kebab-case, a starterCode without python and javascript or with a language
    not in :data:`sessions.languages.LANGUAGES`, or tests of the wrong shape.
    """
    check = _Checker(source)
    if not isinstance(data, dict):
        raise ProblemBankError(source, None, f"must be a problem object (got {_json_type(data)})")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise check.fail(unknown[0], f"is not a known field (known: {', '.join(sorted(_KEYS))})")
    sql = kinds.is_sql(data, check.fail)
    for key in _REQUIRED_KEYS[:-1] if sql else _REQUIRED_KEYS:
        if key not in data:
            raise check.fail(key, "is required")
    slug = check.kebab(data["slug"], "slug")
    title = check.string(data["title"], "title")
    difficulty = check.string(data["difficulty"], "difficulty")
    if difficulty not in DIFFICULTIES:
        allowed = ", ".join(DIFFICULTIES)
        raise check.fail("difficulty", f"must be one of {allowed} (got {difficulty!r})")
    tags = check.tags(data["tags"])
    description = check.string(data["description"], "description")
    required = ("sql",) if sql else REQUIRED_LANGUAGES
    starter = check.languages(data["starterCode"], "starterCode", required=required)
    if sql:
        question = kinds.parse_sql(data, check.fail)
        return Problem(
            slug, title, difficulty, tags, description, MappingProxyType(starter), None,
            None, source, sql=question,
        )  # fmt: skip
    tests = check.tests(data["tests"])
    entry = check.entry_point(data["entryPoint"], starter) if "entryPoint" in data else None
    signature = kinds.parse_signature(data, tests, entry, check.fail)
    return Problem(
        slug, title, difficulty, tags, description, MappingProxyType(starter), tests, entry,
        source, signature=signature,
    )  # fmt: skip


class ProblemBank:
    """An immutable set of problems keyed by slug; iterates in (difficulty, slug) order."""

    def __init__(self, problems: Iterable[Problem] = ()) -> None:
        by_slug: dict[str, Problem] = {}
        for problem in problems:
            first = by_slug.get(problem.slug)
            if first is not None:
                detail = f"duplicates {problem.slug!r}, already defined in {first.source}"
                raise ProblemBankError(problem.source, "slug", detail)
            by_slug[problem.slug] = problem
        ordered = sorted(by_slug.values(), key=lambda p: (_RANK[p.difficulty], p.slug))
        self._problems: dict[str, Problem] = {p.slug: p for p in ordered}

    def get(self, slug: str) -> Problem:
        """The problem with ``slug``; :class:`ProblemNotFound` if there is none."""
        try:
            return self._problems[slug]
        except KeyError:
            raise ProblemNotFound(f"no problem has slug {slug!r}", slug=slug) from None

    def list(self, difficulty: str | None = None, tag: str | None = None) -> builtins.list[Problem]:
        """Problems matching both filters (None matches all), easy before medium before hard,
        then by slug. An unknown difficulty is a :class:`BadRequest` naming the parameter."""
        if difficulty is not None and difficulty not in _RANK:
            allowed = ", ".join(DIFFICULTIES)
            detail = f"must be one of {allowed} (got {difficulty!r})"
            raise BadRequest(f"parameter 'difficulty' {detail}", parameter="difficulty")
        return [
            p
            for p in self._problems.values()
            if (difficulty is None or p.difficulty == difficulty) and (tag is None or tag in p.tags)
        ]

    def __len__(self) -> int:
        return len(self._problems)

    def __contains__(self, slug: object) -> bool:
        return slug in self._problems

    def __iter__(self) -> Iterator[Problem]:
        return iter(self._problems.values())


def _decode(text: str, source: str) -> object:
    def no_constant(name: str) -> object:
        raise ProblemBankError(source, None, f"invalid JSON: {name} is not a JSON number")

    def unique_keys(pairs: builtins.list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                raise ProblemBankError(source, key, "appears twice in one object")
            seen[key] = value
        return seen

    try:
        return json.loads(text, parse_constant=no_constant, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as exc:
        detail = f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise ProblemBankError(source, None, detail) from None


def _parse_file(text: str, source: str, stem: str) -> builtins.list[Problem]:
    """The problems in one bank file's text: one object (its slug must equal the file's
    ``stem``) or an array of objects (each reported as ``source[i]``)."""
    data = _decode(text, source)
    if isinstance(data, list):
        return [parse_problem(item, f"{source}[{i}]") for i, item in enumerate(data)]
    problem = parse_problem(data, source)
    if problem.slug != stem:
        detail = f"must equal the file name {stem!r} (got {problem.slug!r})"
        raise ProblemBankError(source, "slug", detail)
    return [problem]


def _read(path: Path) -> builtins.list[Problem]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemBankError(str(path), None, f"cannot be read: {exc}") from None
    return _parse_file(text, str(path), path.stem)


def _default_problems() -> builtins.list[Problem]:
    folder = resources.files(DEFAULT_PACKAGE)
    for part in DEFAULT_FOLDER:
        folder = folder / part
    entries = sorted(
        (e for e in folder.iterdir() if e.name.endswith(".json") and e.is_file()),
        key=lambda e: e.name,
    )
    problems: builtins.list[Problem] = []
    for entry in entries:
        stem = entry.name.removesuffix(".json")
        problems += _parse_file(entry.read_text(encoding="utf-8"), str(entry), stem)
    return problems


def load_bank(paths: Sequence[Path] | None = None, *, include_default: bool = True) -> ProblemBank:
    """The default bank (unless ``include_default`` is False) plus every problem in ``paths``.

    Each path is a JSON file holding one problem object or an array of them, or a folder
    whose ``*.json`` files (not subfolders) are read in name order. A slug defined twice,
    anywhere, is a :class:`ProblemBankError` naming both files.
    """
    problems = _default_problems() if include_default else []
    for path in paths or ():
        if path.is_dir():
            for child in sorted(path.glob("*.json")):
                if child.is_file():
                    problems += _read(child)
        elif path.exists():
            problems += _read(path)
        else:
            raise ProblemBankError(str(path), None, "no such file or folder")
    return ProblemBank(problems)


def suggest_next(
    bank: ProblemBank, solved: Problem, exclude: Collection[str] = ()
) -> Problem | None:
    """The problem to offer after ``solved``, or None when nothing fits.

    Candidates are every problem but ``solved`` and the slugs in ``exclude``. The first rule
    that matches any candidate wins:

    1. the next difficulty up (easy -> medium -> hard) sharing at least one tag;
    2. the same difficulty sharing at least one tag;
    3. any problem at the next difficulty up.

    Within a rule, more shared tags come first, then slug order. Hard has no next difficulty,
    so after a hard problem only rule 2 can match.
    """
    skip = {solved.slug, *exclude}
    rank = _RANK[solved.difficulty]
    up = DIFFICULTIES[rank + 1] if rank + 1 < len(DIFFICULTIES) else None
    tags = set(solved.tags)

    def best(difficulty: str | None, *, need_tags: bool) -> Problem | None:
        if difficulty is None:
            return None
        fits = [
            (-len(tags.intersection(p.tags)), p.slug, p)
            for p in bank.list(difficulty=difficulty)
            if p.slug not in skip
        ]
        fits = [fit for fit in fits if fit[0] < 0 or not need_tags]
        return min(fits, key=lambda fit: fit[:2])[2] if fits else None

    return (
        best(up, need_tags=True)
        or best(solved.difficulty, need_tags=True)
        or best(up, need_tags=False)
    )


def starter_for(problem: Problem, language: str) -> str:
    """The starter code of ``problem`` for ``language``; "" when it has none for it."""
    return problem.starter_code.get(language, "")
