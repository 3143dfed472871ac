"""UpstreamHealth: set aside after failures in a row, back after the rest, with a fake clock."""

from dnstest.clock import FakeClock

from part3_forwarder.health import UpstreamHealth
from part3_forwarder.upstream import parse_upstream

A, B = parse_upstream("127.0.0.1:5301"), parse_upstream("127.0.0.1:5302")


def test_set_aside_after_max_failures_in_a_row_and_back_after_the_rest():
    clock = FakeClock()
    health = UpstreamHealth([A, B], max_failures=3, rest=30, clock=clock)
    assert health.order() == [A, B]
    health.failed(A, "timed out")
    health.failed(A, "timed out")
    assert health.order() == [A, B]  # two is not yet a pattern
    health.failed(A, "timed out")
    assert health.order() == [B]
    assert health.is_resting(A)
    clock.now += 29.9
    assert health.order() == [B]
    clock.now += 0.2
    assert health.order() == [A, B]  # back, in its usual place


def test_a_success_in_between_clears_the_record():
    health = UpstreamHealth([A, B], max_failures=3, clock=FakeClock())
    for _ in range(5):
        health.failed(A, "timed out")
        health.failed(A, "timed out")
        health.succeeded(A)
    assert health.order() == [A, B]


def test_after_the_rest_one_more_failure_sets_it_aside_again():
    clock = FakeClock()
    health = UpstreamHealth([A, B], max_failures=3, rest=30, clock=clock)
    for _ in range(3):
        health.failed(A, "timed out")
    clock.now += 31
    health.failed(A, "still dead")
    assert health.order() == [B]
    clock.now += 31
    health.succeeded(A)
    health.failed(A, "a blip")
    assert health.order() == [A, B]  # one failure after a success is just a blip


def test_when_all_are_resting_all_are_asked():
    health = UpstreamHealth([A, B], max_failures=1, clock=FakeClock())
    health.failed(A, "timed out")
    health.failed(B, "timed out")
    assert health.order() == [A, B]
