"""A function-style problem's function, declared once, language-neutrally (docs/languages.md).

``{"function": "two_sum", "params": [{"name": "nums", "type": "int[]"}, ...],
"returns": "int[]"}``. The types are the whole supported set: ``int``, ``long``, ``double``,
``bool``, ``string``, ``T[]``, ``list<T>``, ``map<string,T>``, nested. Anything else is
refused when the bank loads. The function's name in each language derives from
``function`` here and nowhere else (:func:`function_name`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SCALARS: tuple[str, ...] = ("int", "long", "double", "bool", "string")
SNAKE = frozenset(("python", "ruby", "rust", "c", "shell"))
PASCAL = frozenset(("csharp",))
"""Every other language names the function in camelCase."""
_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_PARAM = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SignatureError(ValueError):
    """A bad signature: ``field`` is the offending field, relative to ``signature``."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


@dataclass(frozen=True, slots=True)
class Type:
    """A declared type: a scalar (``item`` None) or ``array``/``list``/``map`` of ``item``."""

    kind: str
    item: Type | None = None

    def __str__(self) -> str:
        if self.kind == "array":
            return f"{self.item}[]"
        if self.kind == "list":
            return f"list<{self.item}>"
        if self.kind == "map":
            return f"map<string,{self.item}>"
        return self.kind

    @property
    def scalar(self) -> bool:
        return self.item is None

    @property
    def has_map(self) -> bool:
        return self.kind == "map" or (self.item is not None and self.item.has_map)


def parse_type(text: str) -> Type:
    """The type ``text`` names; :class:`ValueError` saying why when it is not supported."""
    text = text.strip()
    if text in SCALARS:
        return Type(text)
    if text.endswith("[]"):
        return Type("array", parse_type(text[:-2]))
    if text.startswith("list<") and text.endswith(">"):
        return Type("list", parse_type(text[5:-1]))
    if text.startswith("map<") and text.endswith(">"):
        key, comma, value = text[4:-1].partition(",")
        if not comma or key.strip() != "string":
            raise ValueError(f"map keys must be string (got {text!r})")
        return Type("map", parse_type(value))
    supported = ", ".join((*SCALARS, "T[]", "list<T>", "map<string,T>"))
    raise ValueError(f"is not a supported type (got {text!r}; supported: {supported})")


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: Type


@dataclass(frozen=True, slots=True)
class Signature:
    """The function: its snake_case name, its parameters and its return type."""

    function: str
    params: tuple[Param, ...]
    returns: Type

    def name_for(self, language: str) -> str:
        return function_name(self.function, language)

    def to_json(self) -> dict[str, object]:
        return {
            "function": self.function,
            "params": [{"name": p.name, "type": str(p.type)} for p in self.params],
            "returns": str(self.returns),
        }


def function_name(function: str, language: str) -> str:
    """``function`` (snake_case) as ``language`` names it: snake, Pascal or camel case."""
    if language in SNAKE:
        return function
    words = function.split("_")
    if language in PASCAL:
        return "".join(word[:1].upper() + word[1:] for word in words)
    return words[0] + "".join(word[:1].upper() + word[1:] for word in words[1:])


def parse_signature(value: object) -> Signature:
    """The signature of a problem's ``signature`` value; :class:`SignatureError` naming the
    field (``signature.params[0].type``) when it is malformed or needs an unsupported type."""
    if not isinstance(value, dict):
        raise SignatureError("signature", "must be an object")
    unknown = sorted(set(value) - {"function", "params", "returns"})
    if unknown:
        raise SignatureError(f"signature.{unknown[0]}", "is not a known field")
    function = value.get("function")
    if not isinstance(function, str) or not _NAME.fullmatch(function):
        raise SignatureError(
            "signature.function", f"must be a snake_case name like 'two_sum' (got {function!r})"
        )
    params = value.get("params")
    if not isinstance(params, list):
        raise SignatureError("signature.params", "must be an array")
    parsed: list[Param] = []
    for i, param in enumerate(params):
        where = f"signature.params[{i}]"
        if not isinstance(param, dict) or set(param) != {"name", "type"}:
            raise SignatureError(where, "must be an object with name and type")
        name = param["name"]
        if not isinstance(name, str) or not _PARAM.fullmatch(name):
            raise SignatureError(f"{where}.name", f"must be an identifier (got {name!r})")
        if any(p.name == name for p in parsed):
            raise SignatureError(f"{where}.name", f"repeats {name!r}")
        parsed.append(Param(name, _type(param["type"], f"{where}.type")))
    returns = _type(value.get("returns"), "signature.returns")
    return Signature(function, tuple(parsed), returns)


def _type(value: object, where: str) -> Type:
    if not isinstance(value, str):
        raise SignatureError(where, f"must be a type name (got {value!r})")
    try:
        return parse_type(value)
    except ValueError as exc:
        raise SignatureError(where, str(exc)) from None


def fits(kind: Type, value: object) -> bool:
    """True when the JSON ``value`` is a value of ``kind`` (a test's input or expected)."""
    if kind.kind in ("int", "long"):
        bound = 2**31 if kind.kind == "int" else 2**63
        whole = isinstance(value, int) and not isinstance(value, bool)
        return whole and -bound <= value < bound  # type: ignore[operator]
    if kind.kind == "double":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind.kind == "bool":
        return isinstance(value, bool)
    if kind.kind == "string":
        return isinstance(value, str)
    assert kind.item is not None
    if kind.kind == "map":
        return isinstance(value, dict) and all(fits(kind.item, v) for v in value.values())
    return isinstance(value, list) and all(fits(kind.item, v) for v in value)


def check_signature(
    signature: Signature, tests: Any, entry: str | Mapping[str, str] | None
) -> Signature:
    """``signature`` when every test's input and expected fit its types and ``entry`` (the
    problem's entryPoint, ``Solution.twoSum`` or ``twoSum``) names the derived function;
    else :class:`SignatureError` naming the field."""
    if not isinstance(tests, list):
        raise SignatureError("signature", "is for input/expected tests (tests is per language)")
    for i, case in enumerate(tests):
        if len(case["input"]) != len(signature.params):
            detail = f"must have {len(signature.params)} arguments (the signature's params)"
            raise SignatureError(f"tests[{i}].input", detail)
        for j, (param, arg) in enumerate(zip(signature.params, case["input"], strict=True)):
            if not fits(param.type, arg):
                raise SignatureError(f"tests[{i}].input[{j}]", f"is not a {param.type}")
        if not fits(signature.returns, case["expected"]):
            raise SignatureError(f"tests[{i}].expected", f"is not a {signature.returns}")
    names = entry if isinstance(entry, Mapping) else {}
    for language, name in names.items():
        derived = signature.name_for(language)
        if name.rsplit(".", 1)[-1] != derived:
            detail = f"must name {derived!r} (from signature.function; got {name!r})"
            raise SignatureError(f"entryPoint.{language}", detail)
    if isinstance(entry, str) and entry.rsplit(".", 1)[-1] != signature.function:
        raise SignatureError("entryPoint", f"must name {signature.function!r} (signature.function)")
    return signature
