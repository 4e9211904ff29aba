"""`record` and `line_record` make the class `@dataclass(frozen=True, slots=True)` makes, without compiling code per
class (domain/records.py): side by side, the same class written each way behaves the same."""

import dataclasses
import inspect
from dataclasses import KW_ONLY, FrozenInstanceError, dataclass, field
from decimal import Decimal

import pytest

from tradeprice.domain.records import line_record, record


@dataclass(frozen=True, slots=True)
class ByDataclass:
    slug: str
    currency: str
    discount: Decimal = Decimal(0)
    lists: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    note: str = field(default="", compare=False, repr=False)


@record
class ByRecord:
    slug: str
    currency: str
    discount: Decimal = Decimal(0)
    lists: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    note: str = field(default="", compare=False, repr=False)


@line_record
class ByLineRecord:
    slug: str
    currency: str
    discount: Decimal = Decimal(0)
    lists: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    note: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class KeywordsByDataclass:
    table: str = "prices"
    workers: int = 8


@record
class KeywordsByRecord:
    _: KW_ONLY
    table: str = "prices"
    workers: int = 8


@line_record
class KeywordsByLineRecord:
    _: KW_ONLY
    table: str = "prices"
    workers: int = 8


def _hash(value: object) -> int | str:
    try:
        return hash(value)
    except TypeError:
        return "unhashable"


RECORDS = pytest.mark.parametrize("made", [ByRecord, ByLineRecord])
CALLS = [
    (("trade", "GBP"), {}),
    (("trade",), {"currency": "EUR", "discount": Decimal("2.5")}),
    ((), {"slug": "gold", "currency": "GBP", "lists": ("a", "b"), "headers": {"x": "1"}, "note": "n"}),
]


@RECORDS
@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_a_record_holds_compares_hashes_and_shows_its_fields_as_a_dataclass_does(made, args, kwargs):
    by_dataclass, by_record = ByDataclass(*args, **kwargs), made(*args, **kwargs)
    again = made(*args, **kwargs)

    assert dataclasses.asdict(by_record) == dataclasses.asdict(by_dataclass)
    assert repr(by_record) == repr(by_dataclass).replace("ByDataclass", made.__name__)
    assert by_record == again
    assert not by_record != again  # noqa: SIM202  # __ne__ follows __eq__, as in the dataclass
    assert (by_record == by_dataclass) is False  # another class is never equal, as between dataclasses
    assert dataclasses.replace(by_record, note="other") == by_record  # `note` is not compared
    assert dataclasses.replace(by_record, slug="other") != by_record
    assert _hash(by_record) == _hash(again) == _hash(by_dataclass)  # or unhashable, both: `headers` is a dict


@RECORDS
def test_default_factories_give_each_record_its_own_value(made):
    first, second = made("a", "GBP"), made("b", "GBP")

    assert first.headers == {}
    assert first.headers is not second.headers


@RECORDS
def test_a_record_is_immutable_slotted_and_a_dataclass(made):
    by_record = made("trade", "GBP")

    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'slug'"):
        by_record.slug = "other"
    with pytest.raises(FrozenInstanceError, match="cannot delete field 'slug'"):
        del by_record.slug
    with pytest.raises(AttributeError):
        by_record.undeclared = 1
    assert not hasattr(by_record, "__dict__")
    assert made.__slots__ == ByDataclass.__slots__
    assert made.__match_args__ == ByDataclass.__match_args__
    assert [f.name for f in dataclasses.fields(made)] == [f.name for f in dataclasses.fields(ByDataclass)]
    match by_record:
        case made(slug, currency):
            assert (slug, currency) == ("trade", "GBP")


@RECORDS
@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((), {}), (("a", "b", Decimal(1), (), {}, "n", "extra"), {}), (("a",), {"slug": "b", "currency": "c"})],
)
def test_wrong_arguments_are_refused_as_by_a_dataclass(made, args, kwargs):
    with pytest.raises(TypeError):
        ByDataclass(*args, **kwargs)
    with pytest.raises(TypeError):
        made(*args, **kwargs)


@pytest.mark.parametrize("made", [KeywordsByRecord, KeywordsByLineRecord])
def test_keyword_only_records_take_keywords_only(made):
    assert dataclasses.asdict(made(workers=2)) == dataclasses.asdict(KeywordsByDataclass(workers=2))
    assert made() == made(table="prices", workers=8)
    assert hash(made(workers=2)) == hash(KeywordsByDataclass(workers=2))
    with pytest.raises(TypeError):
        made("prices")
    with pytest.raises(TypeError):
        made(tables="prices")


def test_an_undocumented_record_is_made_without_inspecting_its_signature(monkeypatch):
    # The dataclass would write the class's signature as its docstring, parsing text with the tokenizer and `ast`.
    monkeypatch.setattr(inspect, "signature", lambda *_, **__: pytest.fail("the signature was inspected"))

    @record
    class Undocumented:
        x: int

    assert Undocumented(1).x == 1
    assert Undocumented.__doc__
