"""Grading: part 8, exercise 3 (exercises/part8/rtt.py)."""

import pytest


@pytest.fixture
def rtt(exercise):
    return exercise("part8/rtt")


def test_a_server_never_heard_of_has_the_unknown_rtt(rtt):
    times = rtt.ServerTimes()
    assert times.rtt("127.0.0.4") == pytest.approx(0.376)
    assert times.timeout("127.0.0.4") == pytest.approx(1.2)  # 4 * 0.376, capped


def test_samples_are_smoothed(rtt):
    times = rtt.ServerTimes()
    times.answered("127.0.0.4", 0.100)
    assert times.rtt("127.0.0.4") == pytest.approx(0.100)
    times.answered("127.0.0.4", 0.200)
    assert times.rtt("127.0.0.4") == pytest.approx(0.130)
    assert times.timeout("127.0.0.4") == pytest.approx(0.52)


def test_the_fastest_first_ties_in_the_given_order(rtt):
    times = rtt.ServerTimes()
    times.answered("a", 0.050)
    times.answered("b", 0.010)
    assert times.order(["x", "a", "y", "b"]) == ["b", "a", "x", "y"]


def test_a_silent_server_goes_behind_servers_never_asked(rtt):
    times = rtt.ServerTimes()
    times.answered("dead", 0.001)
    times.timed_out("dead", 0.4)
    assert times.rtt("dead") == pytest.approx(0.8)
    assert times.order(["dead", "new"]) == ["new", "dead"]
    times.timed_out("dead", 0.1)  # never better after a timeout
    assert times.rtt("dead") == pytest.approx(0.8)


def test_timeouts_stay_within_bounds(rtt):
    times = rtt.ServerTimes()
    times.answered("fast", 0.0002)
    times.timed_out("slow", 5.0)
    assert times.timeout("fast") == pytest.approx(0.4)
    assert times.timeout("slow") == pytest.approx(1.2)
