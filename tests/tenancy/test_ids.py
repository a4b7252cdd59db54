import time
import uuid

from tenancy.ids import uuid7


def test_uuid7_has_version_7_and_rfc_variant() -> None:
    value = uuid7()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_uuid7_leads_with_the_current_unix_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    value = uuid7()
    after = time.time_ns() // 1_000_000
    assert before <= value.int >> 80 <= after + 1


def test_uuid7_values_are_unique_and_strictly_increasing() -> None:
    values = [uuid7() for _ in range(20_000)]
    assert len(set(values)) == len(values)
    assert values == sorted(values)
