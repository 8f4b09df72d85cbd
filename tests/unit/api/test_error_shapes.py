"""Pure pieces of the API's error handling: body checks, text checks, error codes and
the field an error names, and the scalars' one form."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from graphql import GraphQLError
from hypothesis import given, settings
from hypothesis import strategies as st

from handoff.api.errors import MAX_INPUT_TEXT, check_text
from handoff.api.extensions import classify, coded
from handoff.api.middleware import json_depth, parse_body
from handoff.api.scalars import (
    format_duration,
    parse_datetime,
    parse_duration,
    serialize_datetime,
)
from handoff.services.errors import Invalid


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b"{}", 1),
        (b'{"a": [[{"b": 1}]]}', 4),
        (b'{"q": "[[[[[[{{{{{"}', 1),  # brackets inside strings do not count
        (b'{"q": "a \\" [[[[ \\\\", "v": [1]}', 2),  # nor after an escaped quote
        (b"[" * 5000 + b"]" * 5000, 5000),  # measured without recursion
    ],
)
def test_json_depth(body: bytes, depth: int) -> None:
    assert json_depth(body) == depth


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"query": "{ a }"}', None),
        (b"\xc3\x28", "not UTF-8"),
        (b"{" * 40 + b"}" * 40, "deeper than 32"),
        (b"nope", "not JSON"),
        (b"12", "JSON object"),
        (b'{"query": "{ a }", "variables": {"x": "\xe2\x82\xac"}}', None),
    ],
)
def test_parse_body(body: bytes, problem: str | None) -> None:
    _, found = parse_body(body, 32)
    assert (found is None) if problem is None else (problem in (found or "")), found


@dataclasses.dataclass
class Inner:
    open_questions: list[str]


@dataclasses.dataclass
class Outer:
    summary: str
    inner: Inner
    at: datetime | None = None


@pytest.mark.parametrize(
    ("value", "field", "says"),
    [
        (Outer("a\x00", Inner([])), "input.summary", "NUL byte (at character 1)"),
        (Outer("ok", Inner(["fine", "\ud83d"])), "input.inner.openQuestions.1", "surrogate"),
        (Outer("x" * (MAX_INPUT_TEXT + 1), Inner([])), "input.summary", "at most 100,000"),
        (Outer("ok", Inner([]), datetime(2026, 1, 1)), "input.at", "no UTC offset"),
    ],
)
def test_check_text_names_the_dotted_field(value: Outer, field: str, says: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_text(value, "input")
    assert caught.value.field == field
    assert says in caught.value.message


def test_check_text_lets_good_text_through() -> None:
    check_text(Outer("Ana \U0001f600 " + "x" * (MAX_INPUT_TEXT - 10), Inner(["é", "中"])), "input")
    check_text(datetime(2026, 1, 1, tzinfo=UTC), "at")


VARIABLE_322 = (
    "Variable '$input' got invalid value {'note': {'openQuestions': ['a', 5]}} at "
    "'input.note.openQuestions[1]'; String cannot represent a non string value: 5"
)
VARIABLE_33 = (
    "Variable '$input' has invalid value at .note.openQuestions[1]: "
    "String cannot represent a non string value: 5"
)


@pytest.mark.parametrize(
    ("message", "code", "field"),
    [
        (VARIABLE_322, "BAD_USER_INPUT", "input.note.openQuestions.1"),  # graphql-core 3.2
        (VARIABLE_33, "BAD_USER_INPUT", "input.note.openQuestions.1"),  # graphql-core 3.3
        (
            "Variable '$d' has invalid value: Expected value of type 'Duration'",
            "BAD_USER_INPUT",
            "d",
        ),
        ("Syntax Error: Expected Name, found <EOF>.", "GRAPHQL_PARSE_FAILED", None),
        ("Cannot query field 'nope' on type 'Query'.", "GRAPHQL_VALIDATION_FAILED", None),
    ],
)
def test_coded_errors_name_their_code_and_field(message: str, code: str, field: str | None) -> None:
    error = coded(GraphQLError(message))
    assert error.extensions is not None
    assert error.extensions["code"] == code
    assert error.extensions.get("field") == field
    assert error.message == message


def test_an_unexpected_error_is_internal_and_its_message_is_replaced() -> None:
    error = GraphQLError("boom", original_error=KeyError("secret_column"))
    assert classify(error).value == "INTERNAL"
    shown = coded(error)
    assert shown.extensions is not None and shown.extensions["code"] == "INTERNAL"
    assert "secret_column" not in shown.message and "request id" in shown.message
    invalid = coded(GraphQLError("x", original_error=Invalid("first", "first must be 1-100")))
    assert invalid.extensions == {"code": "BAD_USER_INPUT", "field": "first"}
    assert invalid.message == "first must be 1-100"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("PT4H", timedelta(hours=4)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("P1W", timedelta(weeks=1)),
        ("pt1h30m", timedelta(hours=1, minutes=30)),
        ("PT0.5S", timedelta(seconds=0.5)),
        (" PT4H ", timedelta(hours=4)),  # surrounding spaces are forgiven
    ],
)
def test_durations_parse(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value


@pytest.mark.parametrize("text", ["4 hours", "P1Y", "P1M", "PT", "P", "", "P99999999999D"])
def test_bad_durations_say_the_expected_form(text: str) -> None:
    with pytest.raises(ValueError, match=r"ISO 8601 duration like 'PT4H'|longer than any"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(hours=4), "PT4H"),
        (timedelta(days=1, minutes=30), "P1DT30M"),
        (timedelta(0), "PT0S"),
        (timedelta(days=2), "P2D"),
        # fractions of a second in plain digits, never rounded up (a float printed 1e-05)
        (timedelta(microseconds=10), "PT0.00001S"),
        (timedelta(seconds=59, microseconds=999_999), "PT59.999999S"),
        (timedelta(minutes=1, seconds=1, microseconds=500_000), "PT1M1.5S"),
    ],
)
def test_durations_format_shortest(value: timedelta, text: str) -> None:
    assert format_duration(value) == text
    assert parse_duration(text) == value


def test_instants_have_one_form() -> None:
    at = datetime(2026, 11, 27, 14, 0, 0, 999_999, tzinfo=UTC)
    assert serialize_datetime(at) == "2026-11-27T14:00:00+00:00"
    local = at.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert serialize_datetime(local) == "2026-11-27T19:30:00+05:30"
    with pytest.raises(ValueError):
        serialize_datetime(datetime(2026, 11, 27))
    assert parse_datetime("2026-11-27T14:00:00Z") == datetime(2026, 11, 27, 14, tzinfo=UTC)
    assert parse_datetime("2026-11-27T15:00:00+01:00") == datetime(2026, 11, 27, 14, tzinfo=UTC)
    assert parse_datetime("2026-11-27T15:00:00").tzinfo is None  # refused by the field, named
    for bad in ("", "tomorrow", "2026-13-01T00:00:00Z", 5):
        with pytest.raises(ValueError, match="RFC 3339"):
            parse_datetime(bad)


def test_a_local_mean_time_offset_is_returned_as_utc() -> None:
    # Amsterdam kept +00:19:32 until 1937: RFC 3339 has no seconds in an offset
    at = datetime(1930, 6, 1, 12, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert serialize_datetime(at) == "1930-06-01T10:40:28+00:00"  # summer: +01:19:32
    assert serialize_datetime(at.replace(year=2026)) == "2026-06-01T12:00:00+02:00"


@pytest.mark.parametrize(
    "text",
    [
        "2199-12-31T20:00:00-12:00",  # 2200 in UTC
        "1900-01-01T00:00:00+14:00",  # 1899 in UTC
        "0001-01-01T00:00:00+01:00",  # before datetime's range in UTC: no OverflowError
        "9999-12-31T23:59:59-01:00",
    ],
)
def test_the_year_range_is_the_instants(text: str) -> None:
    with pytest.raises(ValueError, match="outside the years 1900 to 2199"):
        parse_datetime(text)
    assert parse_datetime("2199-12-31T23:00:00+01:00").year == 2199


@settings(max_examples=400, deadline=None)
@given(
    at=st.datetimes(
        min_value=datetime(1900, 1, 2), max_value=datetime(2199, 12, 30), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(
        [
            "UTC",
            "Europe/Amsterdam",
            "Asia/Kolkata",
            "America/St_Johns",
            "Pacific/Chatham",
            "America/Sao_Paulo",
            "Asia/Kathmandu",
            "Pacific/Kiritimati",
            "Etc/GMT+12",
        ]
    ),
)
def test_instants_read_as_isoformat_with_whole_seconds(at: datetime, zone: str) -> None:
    local = at.astimezone(ZoneInfo(zone))
    expected = local.isoformat(timespec="seconds")
    if local.utcoffset() % timedelta(minutes=1):  # a local mean time: given in UTC
        expected = at.isoformat(timespec="seconds")
    assert serialize_datetime(local) == expected
    assert serialize_datetime(at) == at.isoformat(timespec="seconds")
