"""A faster __init__ for the frozen, slotted dataclasses built by the hundred thousand.

A frozen dataclass's generated __init__ stores each field through `object.__setattr__` (its own
__setattr__ refuses): a global lookup, an attribute lookup and a call per field. Storing through
the class's slot descriptors does the same thing at half the cost, and a large scan builds more
than a million access rows, statements and clauses. The class stays a frozen dataclass in every
other way (fields, eq, hash, repr, replace, pickling, refused assignment).
"""
from __future__ import annotations

import dataclasses
import operator
from typing import TypeVar

T = TypeVar("T")


def slot_init(cls: type[T]) -> type[T]:
    """Replace the __init__ of a frozen, slotted dataclass with one storing through its slots.

    Refuses classes it cannot serve exactly (no slots, a __post_init__, default factories,
    keyword-only or init=False fields), so a later change to the class fails at import, loudly.
    """
    params = dataclasses.fields(cls)  # type: ignore[arg-type]
    if not getattr(cls, "__dataclass_params__").frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"slot_init: {cls.__name__} is not a frozen dataclass with slots")
    for f in params:
        if f.default_factory is not dataclasses.MISSING or not f.init or f.kw_only:
            raise TypeError(f"slot_init: {cls.__name__}.{f.name} needs the dataclass's own __init__")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"slot_init: {cls.__name__} has a __post_init__")
    namespace: dict[str, object] = {}
    signature, body = [], []
    for i, f in enumerate(params):
        namespace[f"_set{i}"] = cls.__dict__[f.name].__set__
        if f.default is dataclasses.MISSING:
            signature.append(f.name)
        else:
            namespace[f"_default{i}"] = f.default
            signature.append(f"{f.name}=_default{i}")
        body.append(f"    _set{i}(self, {f.name})")
    source = f"def __init__(self, {', '.join(signature)}):\n" + "\n".join(body or ["    pass"]) + "\n"
    exec(source, namespace)  # noqa: S102 - the source is built from field names only
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    init.__doc__ = cls.__init__.__doc__
    init.__annotations__ = {**{f.name: f.type for f in params}, "return": None}  # for help() and IDEs
    cls.__init__ = init  # type: ignore[misc]
    # Pickled as a call of that __init__ with the field values (a scan's worker process sends its
    # findings back this way): the dataclass's own state protocol sets each field through
    # object.__setattr__ when loading, at about twice the cost.
    values = operator.attrgetter(*(f.name for f in params)) if params else (lambda obj: ())
    single = len(params) == 1

    def __reduce__(self):
        return (cls, (values(self),) if single else values(self))

    __reduce__.__qualname__ = f"{cls.__qualname__}.__reduce__"
    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls
