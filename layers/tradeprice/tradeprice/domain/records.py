"""Frozen records, as `@dataclass(frozen=True, slots=True)` makes them, without compiling code at import time.

The dataclass decorator writes the source of each class's `__init__`, `__repr__`, `__eq__`, `__hash__`,
`__setattr__` and `__delattr__` and compiles it when the module is imported: ~3 M instructions a class, which a
read-only Lambda package cannot ship as bytecode. The lookup's cold path defines some twenty such classes
(docs/operations.md, Cold start), so those use `record`: the same class — still a dataclass (`fields`,
`replace`, `asdict` and `match` work), slotted, immutable, compared, hashed and shown by its fields in the same
way — with those methods made once, here, for every class.

Their shared `__init__` binds arguments in Python, ~2x slower per instance than the dataclass's; fine for what a
request builds a few of. What it builds per cart line uses `line_record`, which compiles that one method (as
`namedtuple` does its `__new__`): one compilation a class instead of six, and the dataclass's speed per instance.
"""

from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field, fields
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")
_set = object.__setattr__


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: type[T], /) -> type[T]:
    """`@dataclass(frozen=True, slots=True)` without code compiled per class (keyword-only fields: `KW_ONLY`)."""
    if cls.__doc__ is None:
        # Not the signature the dataclass would write for an undocumented class: inspecting it parses text with
        # the tokenizer and `ast` (~3 ms on the first class of a cold start).
        cls.__doc__ = f"{cls.__name__}: a record."
    return _methods(dataclass(cls, init=False, repr=False, eq=False, slots=True))


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def line_record(cls: type[T], /) -> type[T]:
    """`record` with its `__init__` compiled, for classes built per cart line (the module docstring says why)."""
    made = record(cls)
    init = _compiled_init(made)
    init.__qualname__ = f"{made.__qualname__}.__init__"
    setattr(made, "__init__", init)  # noqa: B010  # mypy refuses assigning to a method
    return made


def _compiled_init(cls: type) -> Any:
    """The `__init__` the dataclass would compile for a frozen class: each argument set past `__setattr__`."""
    namespace: dict[str, Any] = {"_set": _set, "_MISSING": MISSING}
    parameters: list[str] = []
    lines: list[str] = []
    keywords_only = False
    for f in fields(cls):
        name, value = f.name, f.name
        if f.default_factory is not MISSING:
            namespace[f"_factory_{name}"] = f.default_factory
            value = f"_factory_{name}() if {name} is _MISSING else {name}"
        if not f.init:
            if f.default is not MISSING:
                namespace[f"_default_{name}"] = f.default
                lines.append(f"    _set(self, {name!r}, _default_{name})")
            elif f.default_factory is not MISSING:
                lines.append(f"    _set(self, {name!r}, _factory_{name}())")
            continue
        if f.kw_only and not keywords_only:
            parameters.append("*")
            keywords_only = True
        if f.default is not MISSING:
            namespace[f"_default_{name}"] = f.default
            parameters.append(f"{name}=_default_{name}")
        elif f.default_factory is not MISSING:
            parameters.append(f"{name}=_MISSING")
        else:
            parameters.append(name)
        lines.append(f"    _set(self, {name!r}, {value})")
    source = f"def __init__(self, {', '.join(parameters)}):\n" + ("\n".join(lines) or "    pass") + "\n"
    exec(source, namespace)  # noqa: S102  # nosec B102  # our own fields' names, as the dataclass decorator does
    return namespace["__init__"]


def _methods(cls: type[T]) -> type[T]:
    every = fields(cls)  # type: ignore[arg-type]  # a dataclass by now
    init = tuple(f.name for f in every if f.init)
    positional = tuple(f.name for f in every if f.init and not f.kw_only)
    defaults = {f.name: f.default for f in every if f.init and f.default is not MISSING}
    factories = {f.name: f.default_factory for f in every if f.init and f.default_factory is not MISSING}
    set_later = [(f.name, f.default, f.default_factory) for f in every if not f.init]
    names = frozenset(init)
    shown = tuple(f.name for f in every if f.repr)
    compared = tuple(f.name for f in every if f.compare)
    hashed = tuple(f.name for f in every if (f.compare if f.hash is None else f.hash))
    assigned = frozenset(f.name for f in every)
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__qualname__}: a record does not call __post_init__; use @dataclass")

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(positional):
            given = len(args) + 1
            raise TypeError(f"__init__() takes {len(positional) + 1} positional arguments but {given} were given")
        values = dict(zip(positional, args, strict=False))
        for name, value in kwargs.items():
            if name not in names:
                raise TypeError(f"__init__() got an unexpected keyword argument '{name}'")
            if name in values:
                raise TypeError(f"__init__() got multiple values for argument '{name}'")
            values[name] = value
        for name in init:
            if name in values:
                _set(self, name, values[name])
            elif name in defaults:
                _set(self, name, defaults[name])
            elif name in factories:
                _set(self, name, factories[name]())
            else:
                raise TypeError(f"__init__() missing 1 required argument: '{name}'")
        for name, default, factory in set_later:
            if factory is not MISSING:
                _set(self, name, factory())
            elif default is not MISSING:
                _set(self, name, default)

    def __repr__(self: Any) -> str:
        shown_fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{self.__class__.__qualname__}({shown_fields})"

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return tuple(getattr(self, name) for name in compared) == tuple(getattr(other, name) for name in compared)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(tuple(getattr(self, name) for name in hashed))

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in assigned:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in assigned:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    for method in (__init__, __repr__, __eq__, __hash__, __setattr__, __delattr__):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        setattr(cls, method.__name__, method)
    return cls
