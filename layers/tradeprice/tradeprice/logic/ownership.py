"""One owner per field: the merchant names, per record kind and field group, the source that owns it.

Every writer that is tagged with a source (an ERP integration is `erp`, the Shopify and BigCommerce webhooks are
`platform`, an API key carries the `source` it was created with) writes customers through `write_as`:

- the record is read, and the write is merged into it: fields the write does not carry keep their stored value,
  and a field whose group another source owns keeps its stored value and is reported as a warning (the rest of
  the record is applied);
- each source's `source_version` is compared with that source's own last version only;
- the merged record is written on condition that nobody wrote the record since it was read; if somebody did,
  it is read and merged again. So an ERP and a platform writing one customer at the same moment each end with
  the fields they own, whatever the order.

No ownership configured (the default) makes the merge keep only the partial-update rule: the last write wins.
A record that does not exist yet takes every field its first writer sends. Untagged writers (keys created
without a source, file imports without a profile) are the merchant's own hand and write as before.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from tradeprice.config import get_settings
from tradeprice.data import codec
from tradeprice.data import customers as customer_store
from tradeprice.data.batch import parallel_map
from tradeprice.domain.models import Customer
from tradeprice.errors import StoreUnavailable

CUSTOMER_FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "identity": ("email", "company", "tags", "addresses"),
    "group": ("group",),
    "pricing": ("price_lists", "discount_percent", "currency"),
    "terms": ("payment_terms",),
    "status": ("status",),
}
"""The field groups of a customer a source may own."""

FieldGroup = Literal["identity", "group", "pricing", "terms", "status"]
Source = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
"""A source tag: `erp`, `platform`, or any name the merchant gives a key (lower case, digits, - and _)."""

ERP: Source = "erp"
PLATFORM: Source = "platform"

MAX_ATTEMPTS = 8
"""Reads and merges of one record before a write that keeps losing races gives up (the caller may retry)."""

Warning = dict[str, Any]


class Ownership(BaseModel):
    """The merchant's document, e.g. {"customers": {"identity": "platform", "group": "erp", "status": "erp"}}."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    customers: dict[FieldGroup, Source] = {}

    def owner_of(self, field_name: str) -> str | None:
        owners: dict[str, str] = {str(group): owner for group, owner in self.customers.items()}
        for group, fields in CUSTOMER_FIELD_GROUPS.items():
            if field_name in fields:
                return owners.get(group)
        return None


@lru_cache(maxsize=4)
def _parse(document: str) -> Ownership:
    return Ownership.model_validate(json.loads(document)) if document.strip() else Ownership()


def policy() -> Ownership:
    """The configured ownership (FIELD_OWNERSHIP); a malformed document fails every tagged write loudly."""
    return _parse(get_settings().field_ownership)


@dataclass(frozen=True, slots=True)
class Restricted:
    customer: Customer
    warnings: list[Warning] = field(default_factory=list)


_NOT_DATA = frozenset({"id", "source_version", "updated_at"})


def restrict(stored: Customer | None, incoming: Customer, source: str, rules: Ownership) -> Restricted:
    """The write as it is applied to `stored`: carried fields the source may write; the others kept and reported.

    Only fields another source owns and whose value differs from the stored one are reported: sending the
    stored value back is no conflict.
    """
    if stored is None:
        return Restricted(incoming)
    given = sorted(incoming.model_fields_set - _NOT_DATA)
    shown = incoming.model_dump(mode="json")
    update: dict[str, Any] = {}
    warnings: list[Warning] = []
    for name in given:
        value = getattr(incoming, name)
        owner = rules.owner_of(name)
        if owner is not None and owner != source:
            if value != getattr(stored, name):
                warning: Warning = {"field": name, "reason": f"owned by '{owner}': not applied from '{source}'"}
                if shown[name] is not None:
                    warning["value"] = shown[name]
                warnings.append(warning)
            continue
        update[name] = value
    update["source_version"] = incoming.source_version
    update["updated_at"] = incoming.updated_at
    return Restricted(stored.model_copy(update=update), warnings)


@dataclass(frozen=True, slots=True)
class Written:
    outcome: customer_store.CustomerOutcome
    warnings: list[Warning] = field(default_factory=list)


def write_as(source: str, customers: Sequence[Customer]) -> list[Written]:
    """Write distinct customers as `source` (see the module docstring); outcomes in input order."""
    rules = policy()
    return parallel_map(lambda customer: _write_one(source, customer, rules), customers)


def _write_one(source: str, customer: Customer, rules: Ownership) -> Written:
    version = codec.source_version_key(customer.source_version)
    for _ in range(MAX_ATTEMPTS):
        snapshot = customer_store.read_current(customer.id)
        last = snapshot.versions.get(source)
        if version is not None and last is not None and version < last:
            return Written("stale")
        restricted = restrict(snapshot.customer, customer, source, rules)
        outcome = customer_store.replace_customer(restricted.customer, snapshot, source, version)
        if outcome != "conflict":
            return Written(outcome, restricted.warnings)
    raise StoreUnavailable(
        f"customer '{customer.id}' kept changing while it was written; retry", customer_id=customer.id
    )
