"""The benchmark adapter: a real instance parsed to a Problem, a roster written as CSV."""

import io

from planning.nrp import load_instance, parse_instance, write_roster
from tests.planning.instances import BENCHMARKS, TINY


def test_real_instance_is_parsed_with_every_line_counted() -> None:
    problem = load_instance(BENCHMARKS / "Instance5.txt")

    assert problem.name == "Instance5"
    assert problem.num_days == 28
    assert [s.id for s in problem.shift_types] == ["E", "L"]
    assert problem.shift_type("L").forbidden_next == frozenset({"E"})
    assert len(problem.people) == 16
    assert sum(len(p.days_off) for p in problem.people) == 32
    assert len(problem.on_requests) == 79
    assert len(problem.off_requests) == 27
    assert len(problem.covers) == 56
    assert problem.start.weekday() == 0
    assert len(problem.weekends()) == 4
    assert list(problem.check()) == []


def test_staff_line_becomes_the_persons_limits() -> None:
    person = load_instance(BENCHMARKS / "Instance5.txt").people[0]

    assert person.id == "A"
    # L=0: A never works L, so it is not among A's shift types.
    assert person.shift_types == frozenset({"E"})
    assert person.max_shifts == {"E": 28, "L": 0}
    assert (person.max_minutes, person.min_minutes) == (8640, 7560)
    assert (person.max_consecutive_days, person.min_consecutive_days) == (5, 2)
    assert (person.min_consecutive_days_off, person.max_weekends) == (2, 2)
    assert person.days_off == frozenset({17, 22})


def test_requests_and_cover_keep_their_weights() -> None:
    problem = parse_instance(TINY)

    on = problem.on_requests[0]
    assert (on.person, on.day, on.shift_type, on.weight) == ("A", 0, "E", 2)
    off = problem.off_requests[0]
    assert (off.person, off.day, off.shift_type, off.weight) == ("B", 4, "E", 3)
    cover = problem.covers[1]
    assert (cover.day, cover.shift_type, cover.requirement) == (0, "L", 1)
    assert (cover.weight_under, cover.weight_over) == (10, 1)


def test_roster_is_written_one_line_per_shift_sorted() -> None:
    out = io.StringIO()

    write_roster(out, {("B", 1): "E", ("A", 10): "L", ("A", 2): "E"})

    assert out.getvalue() == "employee,day,shift\nA,2,E\nA,10,L\nB,1,E\n"
