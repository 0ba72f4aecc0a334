"""Inputs declared once: what a field's reader accepts is exactly what its JSON Schema says.

jsonschema_rs is the validator schemathesis judges the OpenAPI document with; the OpenAPI 3.0
dialect is JSON Schema draft 4 plus ``nullable``, which :func:`json_schema` spells out.
"""

from __future__ import annotations

import string
from functools import cache
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions.config import Config
from sessions.errors import DomainError
from sessions.protocol.inputs import (
    AnyOf,
    Body,
    Choice,
    Exclusive,
    Field,
    Flag,
    Integer,
    Kind,
    Moment,
    Query,
    Text,
    not_blank_pattern,
)
from sessions.protocol.validation import session_fields

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=4,
)
SPACES = " \t\n\x0b\x1c\x1f\x85\xa0\u1680\u2000\u200a\u2028\u202f\u3000\ufeff\u200b"
NAMES = st.text(alphabet=SPACES + "ab", max_size=12)
TIMES = st.from_regex(
    r"\A[0-9]{4}-[01][0-9]-[0-3][0-9][Tt ][0-2][0-9]:[0-6][0-9]:[0-6][0-9](\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-2][0-9]:[0-6][0-9])?\Z"
)
KINDS: dict[str, tuple[Kind[Any], st.SearchStrategy[Any]]] = {
    "trimmed text": (Text(max_length=10, trimmed=True), NAMES | JSON),
    "patterned text": (
        Text(pattern="[A-Za-z0-9_-]{22,24}"),
        st.text(alphabet=string.ascii_letters + "_-*", min_size=20, max_size=26) | JSON,
    ),
    "choice": (Choice(("easy", "medium", "hard")), st.sampled_from(["easy", "hard", "x"]) | JSON),
    "integer": (Integer(1, 20), st.integers(-3, 23) | st.sampled_from([1.0, 2.5, True]) | JSON),
    "flag": (Flag(), JSON),
    "moment": (Moment(), TIMES | st.datetimes(timezones=st.timezones()).map(str) | JSON),
    "any of": (AnyOf((Integer(0, 10), Moment()), "a count or a time"), TIMES | JSON),
}


def json_schema(schema: Any) -> Any:
    """An OpenAPI 3.0 schema as plain JSON Schema: ``nullable`` becomes a union with null."""
    if isinstance(schema, list):
        return [json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    plain = {key: json_schema(value) for key, value in schema.items() if key != "nullable"}
    return {"anyOf": [plain, {"type": "null"}]} if schema.get("nullable") else plain


def validator(schema: Any) -> Any:
    return jsonschema_rs.Draft4Validator(json_schema(schema), validate_formats=True)


@cache
def validator_of(declared: Kind[Any] | Body) -> Any:
    return validator(declared.schema())


def reads(kind: Kind[Any], value: object) -> bool:
    try:
        kind.read(value, "field 'x'")
    except DomainError:
        return False
    return True


@pytest.mark.parametrize("name", KINDS)
@settings(deadline=None)  # the first example compiles the schema (and may read the zone database)
@given(data=st.data())
def test_a_kind_accepts_exactly_what_its_schema_describes(name: str, data: st.DataObject):
    kind, values = KINDS[name]
    value = data.draw(values)
    assert reads(kind, value) == validator_of(kind).is_valid(value), value


def test_the_not_blank_pattern_names_every_character_str_strip_removes():
    pattern = validator({"type": "string", "pattern": not_blank_pattern()})
    spaces = [chr(code) for code in range(0x110000) if chr(code).isspace()]
    assert [char for char in spaces if pattern.is_valid(char)] == []
    assert pattern.is_valid("\ufeff")  # ECMAScript's \s has it, str.strip keeps it


SESSION = session_fields(Config(max_code_bytes=10**9), ["two-sum", "lru-cache"])
FIELD_VALUES = {
    "name": NAMES,
    "language": st.sampled_from(["python", "go", "cobol"]),
    "code": st.text(max_size=3),
    "problem": st.sampled_from(["two-sum", "nope"]),
    "maxCandidates": st.integers(0, 3),
}
BODIES = st.dictionaries(
    st.sampled_from([*FIELD_VALUES, "nmae"]),
    st.none() | st.one_of(*FIELD_VALUES.values()) | JSON,
    max_size=4,
)


@pytest.mark.parametrize("body", [SESSION.create(), SESSION.patch()], ids=["create", "patch"])
@settings(deadline=None)  # the first example compiles the schema
@given(value=BODIES)
def test_a_body_accepts_exactly_what_its_schema_describes(body: Body, value: dict[str, Any]):
    try:
        body.read(value)
        read = True
    except DomainError:
        read = False
    assert read == validator_of(body).is_valid(value), value


def test_a_field_added_to_a_body_is_read_and_documented_at_once():
    colour = Field("colour", Choice(("red", "blue")), "the colour")
    size = Field("size", Integer(1, 3), "the size")
    body = Body((colour, size), exclusive=(Exclusive("colour", "size", "one or the other"),))
    assert body.read({"colour": "red", "size": None}).get(colour) == "red"
    assert body.schema() == {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "colour": {
                "type": "string",
                "enum": ["red", "blue", None],
                "description": "the colour",
                "nullable": True,
            },
            "size": {
                "type": "integer",
                "minimum": 1,
                "maximum": 3,
                "description": "the size",
                "nullable": True,
            },
        },
        "description": "one or the other",
        "allOf": [
            {
                "not": {
                    "required": ["colour", "size"],
                    "properties": {"colour": {"type": "string"}, "size": {"type": "integer"}},
                }
            }
        ],
    }


def test_a_query_reads_text_and_states_its_parameters():
    revision = Field("revision", Integer(0), "the last revision seen", required=True)
    full = Field("fullCode", Flag(), "with the code")
    query = Query((revision, full))
    values = query.read({"revision": "12", "fullCode": "FALSE"})
    assert (values.get(revision), values.get(full)) == (12, False)
    assert query.parameters() == [
        {
            "name": "revision",
            "in": "query",
            "required": True,
            "description": "the last revision seen",
            "schema": {"type": "integer", "minimum": 0},
        },
        {
            "name": "fullCode",
            "in": "query",
            "required": False,
            "description": "with the code",
            "schema": {"type": "boolean"},
        },
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "query parameter 'revision' is required: the last revision seen"),
        ({"revision": "-1"}, "query parameter 'revision' must be a non-negative integer"),
        ({"revision": "\u0661"}, "query parameter 'revision' must be a non-negative integer"),
        ({"revision": "1", "fullCode": "yes"}, "query parameter 'fullCode' must be true or false"),
    ],
)
def test_a_query_refuses_a_bad_parameter_by_name(query: dict[str, str], message: str):
    params = Query(
        (
            Field("revision", Integer(0), "the last revision seen", required=True),
            Field("fullCode", Flag(), "with the code"),
        )
    )
    with pytest.raises(DomainError) as caught:
        params.read(query)
    assert caught.value.message == message
