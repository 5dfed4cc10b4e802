"""slot_init: the faster __init__ of the hot frozen dataclasses behaves like the generated one."""
import dataclasses
import inspect
import pickle

import pytest

from auditor.model.access import ActionAccess, Reach
from auditor.model.policy import ConditionClause, Effect, Policy, SetOperator, Statement
from auditor.model.slotinit import slot_init
from auditor.registry import Hit, PolicyContext


def _plain_twin(cls):
    """The same fields in a dataclass that keeps its generated __init__."""
    fields = [(f.name, f.type, dataclasses.field(default=f.default, repr=f.repr, compare=f.compare))
              if f.default is not dataclasses.MISSING else (f.name, f.type) for f in dataclasses.fields(cls)]
    return dataclasses.make_dataclass(cls.__name__, fields, frozen=True, slots=True)


@pytest.mark.parametrize("cls", [Statement, Policy, ConditionClause, Hit, PolicyContext])
def test_signature_matches_the_generated_init(cls):
    twin = _plain_twin(cls)
    assert str(inspect.signature(cls.__init__)) == str(inspect.signature(twin.__init__))


def test_positional_keyword_and_default_arguments_store_every_field():
    clause = ConditionClause("StringEquals", "aws:SourceAccount", ("1",), "StringEquals", False, SetOperator.NONE)
    statement = Statement(2, "S", Effect.DENY, ("ses:*",), True, ("*",), False, None, False, (clause,))
    assert (statement.index, statement.sid, statement.effect, statement.not_action) == (2, "S", Effect.DENY, True)
    assert statement.conditions == (clause,) and statement.position is None
    assert clause.value_types == ()
    policy = Policy(version="2012-10-17", policy_id=None, statements=(statement,), raw_text="{}")
    assert policy.issues == () and policy.raw_text == "{}" and policy.raw_text_available is True
    assert dataclasses.replace(policy, raw_text_available=False).raw_text_available is False


def test_missing_or_unknown_arguments_fail_as_before():
    with pytest.raises(TypeError):
        ConditionClause("StringEquals", "aws:SourceAccount")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ConditionClause("StringEquals", "aws:SourceAccount", ("1",), "StringEquals", False, SetOperator.NONE,
                        bogus=1)  # type: ignore[call-arg]


def test_still_frozen_hashable_and_picklable():
    clause = ConditionClause("StringEquals", "aws:SourceAccount", ("1",), "StringEquals", False, SetOperator.NONE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        clause.key = "other"  # type: ignore[misc]
    same = ConditionClause("StringEquals", "aws:SourceAccount", ("1",), "StringEquals", False, SetOperator.NONE)
    assert clause == same and hash(clause) == hash(same)
    assert pickle.loads(pickle.dumps(clause)) == clause


def test_action_rows_are_immutable_typed_values():
    """ActionAccess is a named tuple (made in C by the million): still immutable, by value, picklable."""
    row = ActionAccess("ses:SendEmail", "Write", Reach.SOME, ("arn:x",), True, ("c",), ("p s",))
    with pytest.raises(AttributeError):
        row.action = "other"  # type: ignore[misc]
    same = ActionAccess("ses:SendEmail", "Write", Reach.SOME, ("arn:x",), True, ("c",), ("p s",))
    assert row == same and hash(row) == hash(same) and pickle.loads(pickle.dumps(row)) == row
    assert ActionAccess("a:b", "List", Reach.ALL, (), False) == ("a:b", "List", Reach.ALL, (), False, (), ())
    with pytest.raises(TypeError):
        ActionAccess("a:b", "Write", Reach.ALL)  # type: ignore[call-arg]


def test_refuses_classes_it_cannot_serve_exactly():
    @dataclasses.dataclass(frozen=True, slots=True)
    class WithFactory:
        items: list = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class PostInit:
        a: int

        def __post_init__(self):
            return None

    @dataclasses.dataclass(slots=True)
    class NotFrozen:
        a: int

    for cls in (WithFactory, NoSlots, PostInit, NotFrozen):
        with pytest.raises(TypeError):
            slot_init(cls)


@slot_init
@dataclasses.dataclass(frozen=True, slots=True)
class _One:
    value: tuple


@slot_init
@dataclasses.dataclass(frozen=True, slots=True)
class _Nothing:
    """No fields at all."""


def test_pickled_as_a_call_of_the_fast_init():
    from auditor.model.finding import Finding, Severity

    finding = Finding("fp", "IAM001", "full-admin", Severity.HIGH, "t", "m", evidence=(("k", "v"),), line=3)
    for obj in (finding, _One((1, 2)), _Nothing()):
        for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
            again = pickle.loads(pickle.dumps(obj, protocol))
            assert again == obj and type(again) is type(obj)
    # The constructor and the field values, in order: nothing set one field at a time on load.
    assert finding.__reduce__() == (Finding, tuple(getattr(finding, f.name) for f in dataclasses.fields(Finding)))
