"""Value types declared without dataclasses (chalicelib/core/value_types.py) keep what the code relied on from
frozen dataclasses: equal by value within their class only, hashable by value, immutable."""
import pytest

from chalicelib.records.filter.tree import And, Compare, Const, FieldRef, Hop, Literal, Op, Or
from chalicelib.records.schema.model import Index


def test_equal_by_value_and_only_within_their_class():
    a, b = FieldRef("title"), FieldRef("title")
    assert a == b and hash(a) == hash(b) and not (a != b)
    assert FieldRef("title") != FieldRef("title", modifier="lower")
    assert Literal(True) != Const(True) and Const(True) != (True,)
    assert And((Const(True),)) != Or((Const(True),))
    assert {Literal(1), Const(True), Literal(1)} == {Literal(1), Const(True)}
    assert Compare(Op.EQ, a, Literal("x")) == Compare(Op.EQ, b, Literal("x"))
    assert Index(3, "by_owner", ("owner",)) == Index(3, "by_owner", ("owner",), "created")


def test_immutable():
    with pytest.raises(AttributeError):
        FieldRef("title").name = "other"  # type: ignore[misc]
    assert Hop("rel", "users", "owner").multiple is False
