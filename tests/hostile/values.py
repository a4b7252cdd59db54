"""Hostile values, one class of attack per entry: every parameter the walker knows is sent each
class at least once."""

from __future__ import annotations

ZERO_UUID = "00000000-0000-0000-0000-000000000000"

# class name -> the value sent. "list" is special: the parameter is sent twice (two values
# where one is expected); the walker builds it from two other classes' values.
HOSTILE: dict[str, str] = {
    "nul": "a\x00b",
    "quotes": "'\"; DROP TABLE x; -- <script>alert(1)</script>",
    "long": "x" * 5000,
    "huge_number": "99999999999999999999999999999",
    "negative_number": "-2147483649",
    "not_a_number": "NaN",
    "infinity": "1e309",
    "date_max": "9999-12-31",
    "date_min": "0001-01-01",
    "date_impossible": "2026-02-30",
    "uuid_malformed": "1234-not-a-uuid",
    "uuid_zero": ZERO_UUID,
    "rtl_override": "\u202egnp.exe\u202c",
    "empty": "",
}
LIST_CLASS = "list"
CLASSES: list[str] = [*HOSTILE, LIST_CLASS]
# (Date-time fields read a bare date too, so the date classes test them as well.)

# The classes that a field of each kind could accept as valid, sent one field at a time with
# every other field as the page fills it in: these reach the services and selectors behind a
# valid form, where an extreme value that passed validation can still break arithmetic.
DEEP: dict[str, list[str]] = {
    "date": ["date_max", "date_min"],
    "datetime-local": ["date_max", "date_min"],
    "number": ["huge_number", "negative_number"],
    "text": ["long", "nul"],
    "textarea": ["long", "nul"],
    "select": ["uuid_zero", LIST_CLASS],
    "hidden": ["huge_number", "uuid_zero"],
    # read from the view's source, of no known kind
    "": ["nul", "date_max", "huge_number", "uuid_zero"],
}
LIST_VALUE = ["1", "9999-12-31"]


def value_of(kind: str) -> str | list[str]:
    return list(LIST_VALUE) if kind == LIST_CLASS else HOSTILE[kind]


# For URL path segments that are free text (tokens), the classes that can travel in a path.
PATH_TEXT = ["a\x00b", "'\"<x>", "x" * 5000, "\u202egnp", "..", "%", " "]

# Headers the project reads (the sign-in throttle, the audit log's client details, htmx, the
# request id), sent hostile: once with control characters, once printable but extreme.
HOSTILE_HEADERS: list[dict[str, str]] = [
    {"HTTP_USER_AGENT": "a\x00b", "HTTP_X_FORWARDED_FOR": "1.2.3.4\x00", "HTTP_REFERER": "\x00"},
    {
        "HTTP_USER_AGENT": "\u202e" + "x" * 5000,
        "HTTP_X_FORWARDED_FOR": "999.999.999.999, ::ffff:zz",
        "HTTP_X_REQUEST_ID": "'; DROP TABLE x; --",
        "HTTP_HX_REQUEST": "'\"<>",
        "HTTP_HX_CURRENT_URL": "javascript:alert(1)",
        "HTTP_ACCEPT_LANGUAGE": "x" * 5000,
    },
]
