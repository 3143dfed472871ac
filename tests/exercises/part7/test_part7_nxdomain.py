"""Grading: part 7, exercise 3 (exercises/part7/nxdomain.py)."""

import pytest
from nsec_chain import NSECS, name, nsecs


@pytest.fixture
def nx(exercise):
    return exercise("part7/nxdomain")


@pytest.mark.parametrize(("owner", "missing", "covered"), [
    ("a.example.", "b.example.", True),
    ("a.example.", "a.example.", False),            # the owner exists
    ("a.example.", "child.example.", False),        # so does next
    ("www2.example.", "zzz.example.", True),        # the last gap wraps to the apex
    ("www2.example.", "a.example.", False),
    ("x.y.example.", "z.y.example.", True),
])
def test_covers(nx, owner, missing, covered):
    nsec = NSECS[owner]
    assert nx.covers(nsec.name, nsec[0].next, name(missing)) is covered


def test_closest_encloser(nx):
    nsec = NSECS["*.w.example."]
    assert nx.closest_encloser(name("q.w.example."), nsec.name, nsec[0].next) == name("w.example.")
    nsec = NSECS["x.y.example."]
    assert nx.closest_encloser(name("z.y.example."), nsec.name, nsec[0].next) == name("y.example.")
    nsec = NSECS["a.example."]
    assert nx.closest_encloser(name("b.example."), nsec.name, nsec[0].next) == name("example.")


def test_nxdomain_needs_the_name_and_the_wildcard(nx):
    # b.example. falls between a and child; *.example. between example. and a.
    assert nx.proves_nxdomain(name("b.example."), nsecs("a.example.", "example."))
    assert not nx.proves_nxdomain(name("b.example."), nsecs("a.example."))
    assert not nx.proves_nxdomain(name("b.example."), nsecs("example."))


def test_a_wildcard_that_exists_forbids_nxdomain(nx):
    # q.w.example. is missing, but *.w.example. exists: it would have answered.
    assert not nx.proves_nxdomain(name("q.w.example."), nsecs("child.example.", "*.w.example."))


def test_below_an_empty_non_terminal(nx):
    # z.y.example.: y.example. exists (x.y.example. is below it), *.y.example. does not.
    assert nx.proves_nxdomain(name("z.y.example."), nsecs("x.y.example.", "*.w.example."))
