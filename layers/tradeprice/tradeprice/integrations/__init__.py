"""ERP adapters: each system's native payloads and export files → tradeprice's canonical records.

One module per system — `unleashed`, `cin7` (Cin7 Core, formerly DEAR), `katana`, `brightpearl`, `linnworks`,
`netsuite`, `business_central` — each PURE (no boto3, no HTTP): a native payload in (parsed with exact decimals,
`tradeprice.api.json.parse_json`), a `base.Mapped` out: per native record its key, errors naming the *native* field
(`{"field": "SellPriceTier2.Value", "reason": "not a number", "value": "abc"}`) and warnings for what is not
carried, plus the canonical writes (price lists, groups, customers, product rules, prices with tier ladders)
validated against the domain models. Facts behind each mapping: docs/integrations/<system>.md.

Entry points
------------
HTTP (functions/integrations_api):

    mapped = integrations.adapt("unleashed", "products", payload, Options(currency="GBP"))
    applied = tradeprice.logic.integrations.apply(mapped, options)      # the one write path

File imports with `profile=<system>` (the importer's manifest or object metadata names the profile):

    from tradeprice.integrations import files
    layout = files.layout_for("unleashed", headers)                   # which of the system's files, by headers
    result = files.map_row("unleashed", row, options, layout)          # row: {header as in the file: cell text}
    # result.prices: long-layout tiers (list, sku, qty, price, window); result.rules; result.lists to create;
    # result.errors: [{"column": <the file's header>, "value", "reason"}]
    # or, for a whole small file: mapped = files.map_file(profile, rows, options); apply(mapped, options)

Profiles with files: `unleashed` (Import Product Pricing, Import Products), `netsuite` (item pricing),
`linnworks` (channel prices). Options a manifest may give: `currency`, `tier_names` (Unleashed tier column →
tenant tier name), `price_list` (Linnworks rows without Tag/Source), `currency_map` (NetSuite currency names).

Slugs
-----
Lists and groups get deterministic slugs: `<system>-<kind>-<name>`, the name lower-cased, accents folded, every
other run of characters turned into `-` (`Sell Price Tier 3` → `unleashed-tier-sell-price-tier-3`). Ids that could
fold alike (customer codes) get 8 hex digits of their SHA-256 appended when folding lost more than case; any slug
longer than 64 characters keeps its head and gets that digest (`base.slug`).
"""

from typing import Any

from tradeprice.errors import NotFound
from tradeprice.integrations import brightpearl, business_central, cin7, katana, linnworks, netsuite, unleashed
from tradeprice.integrations.base import Adapter, Mapped, Options, PayloadError

SYSTEMS: dict[str, dict[str, Adapter]] = {
    "unleashed": unleashed.RESOURCES,
    "cin7": cin7.RESOURCES,
    "katana": katana.RESOURCES,
    "brightpearl": brightpearl.RESOURCES,
    "linnworks": linnworks.RESOURCES,
    "netsuite": netsuite.RESOURCES,
    "business-central": business_central.RESOURCES,
}
"""System (as in the URL) → resource → adapter."""


class UnknownResource(NotFound):
    """No such system, or no such resource of it; the message lists what there is."""


def adapter_for(system: str, resource: str) -> Adapter:
    resources = SYSTEMS.get(system)
    if resources is None:
        raise UnknownResource(f"no integration '{system}'; systems: {', '.join(sorted(SYSTEMS))}")
    adapter = resources.get(resource)
    if adapter is None:
        raise UnknownResource(f"{system} has no resource '{resource}'; resources: {', '.join(sorted(resources))}")
    return adapter


def adapt(system: str, resource: str, payload: Any, options: Options) -> Mapped:
    """Map one native payload; raises UnknownResource, or PayloadError when it is not the resource's shape.

    Every native record of the answer is accounted for: written, skipped or refused, each with its reason."""
    return adapter_for(system, resource)(payload, options).account()


__all__ = ["SYSTEMS", "Adapter", "Mapped", "Options", "PayloadError", "UnknownResource", "adapt", "adapter_for"]
