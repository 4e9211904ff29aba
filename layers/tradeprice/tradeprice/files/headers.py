"""Header rows: which column is which field, for every import kind, however a merchant's ERP spells it.

A header is compared after `normalise`: accents folded, lower-cased, everything but letters and digits dropped, so
`Min. Qty`, `min_qty` and `MIN QTY` are one column. Each kind has a table of aliases with a rank: a strong alias
(`SKU`, `Product Code`) beats a weak one (`Product`, `Code`), so an export with both `SKU` and `Product` (the
product's name) reads `SKU` as the key and ignores `Product`; two columns of the same best rank for one field
are refused as ambiguous rather than guessed.
"""

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from tradeprice.domain.currencies import MINOR_UNITS
from tradeprice.domain.models import ImportKind
from tradeprice.errors import InvalidFile
from tradeprice.files.rejection import Rejection

STRONG, WEAK = 2, 1

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalise(header: str) -> str:
    """`Min. Qty` → `minqty`; `Qté` → `qte`; `Price (£)` → `price`."""
    folded = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub("", folded.lower())


# Prices ----------------------------------------------------------------------------------------------------------

_SKU = {
    STRONG: "sku skucode productsku variantsku sellersku productcode itemcode itemno itemnumber partnumber partno "
    "partcode stockcode stockno articlenumber articleno articlecode productnumber productno productref skuid",
    WEAK: "code item product part article reference ref",
}
_PRICE = {
    STRONG: "price unitprice sellprice sellingprice saleprice salesprice priceeach netprice tradeprice "
    "customerprice contractprice specialprice priceexvat priceexclvat priceextax unitpriceexvat unitpriceextax",
    WEAK: "amount",
}
_QTY = {
    STRONG: "qty minqty minimumqty minquantity minimumquantity breakqty breakquantity fromqty qtyfrom fromquantity "
    "quantityfrom tierqty tierquantity qtybreak quantitybreak priceqty pricequantity minunits",
    WEAK: "quantity",
}
_PRICE_LIST = {
    STRONG: "pricelist pricelistslug pricelistcode pricelistid pricelistkey pricebook pricebookcode priceband "
    "pricebandcode pricegroup",
    WEAK: "list",
}

_ALIASES: dict[ImportKind, dict[str, dict[int, str]]] = {
    ImportKind.PRICES: {
        "sku": _SKU,
        "price": _PRICE,
        "qty": _QTY,
        "price_list": _PRICE_LIST,
        "unit_of_measure": {STRONG: "unitofmeasure uom unitofsale sellingunit salesunit", WEAK: "unit"},
        "valid_from": {STRONG: "validfrom startdate effectivefrom effectivedate datefrom fromdate startsat"},
        "valid_until": {
            STRONG: "validuntil validto enddate expirydate expires expiresat dateto todate endsat effectiveto "
            "effectiveuntil"
        },
        "source_version": {STRONG: "sourceversion version"},
    },
    ImportKind.PRICE_LISTS: {
        "slug": {STRONG: "slug pricelist pricelistslug pricelistcode pricelistid code", WEAK: "id key"},
        "name": {STRONG: "name pricelistname title", WEAK: "description"},
        "currency": {STRONG: "currency currencycode ccy"},
        "tax_inclusive": {
            STRONG: "taxinclusive incvat includesvat includestax inctax pricesincludetax pricesincludevat vatinclusive "
            "vatincluded taxincluded pricesincvat"
        },
        "valid_from": {STRONG: "validfrom startdate effectivefrom startsat"},
        "valid_until": {STRONG: "validuntil validto enddate expirydate expires endsat"},
        "rules.source": {STRONG: "rulessource source sourcelist derivedfrom basedon baselist basepricelist"},
        "rules.adjustment_percent": {
            STRONG: "rulesadjustmentpercent adjustmentpercent adjustment adjustmentpct percentadjustment"
        },
        "rules.fx_rate": {STRONG: "rulesfxrate fxrate exchangerate conversionrate"},
        "rules.rounding.increment": {STRONG: "rulesroundingincrement roundingincrement rounding roundto"},
        "rules.rounding.mode": {STRONG: "rulesroundingmode roundingmode"},
        "source_version": {STRONG: "sourceversion version"},
    },
    ImportKind.CUSTOMER_GROUPS: {
        "slug": {STRONG: "slug group groupslug groupcode customergroup customergroupslug customergroupcode code"},
        "name": {STRONG: "name groupname customergroupname title", WEAK: "description"},
        "parent": {STRONG: "parent parentgroup parentslug parentgroupslug parentcode"},
        "price_lists": {STRONG: "pricelists pricelist pricelistslugs"},
        "source_version": {STRONG: "sourceversion version"},
    },
    ImportKind.CUSTOMERS: {
        "id": {
            STRONG: "id customerid customerno customernumber customercode customerref accountnumber accountno "
            "accountcode accountref externalid",
            WEAK: "account code reference ref",
        },
        "email": {STRONG: "email emailaddress customeremail contactemail", WEAK: "mail"},
        "company": {STRONG: "company companyname businessname organisation organization accountname tradingname"},
        "status": {STRONG: "status customerstatus accountstatus active enabled"},
        "group": {STRONG: "group customergroup groupslug groupcode customergroupslug customergroupcode"},
        "price_lists": {STRONG: "pricelists pricelist pricelistslugs"},
        "discount_percent": {STRONG: "discountpercent discount discountpct customerdiscount"},
        "currency": {STRONG: "currency currencycode ccy"},
        "payment_terms.methods": {STRONG: "paymenttermsmethods paymentmethods paymentmethod"},
        "payment_terms.credit_limit": {STRONG: "paymenttermscreditlimit creditlimit"},
        "payment_terms.net_days": {
            STRONG: "paymenttermsnetdays netdays paymentdays termsdays paymenttermsdays creditdays",
            WEAK: "paymentterms terms",
        },
        "tags": {STRONG: "tags tag labels"},
        "addresses.0.label": {STRONG: "addresslabel addressname"},
        "addresses.0.line1": {STRONG: "addressline1 address1 line1 street streetaddress", WEAK: "address"},
        "addresses.0.line2": {STRONG: "addressline2 address2 line2"},
        "addresses.0.city": {STRONG: "city town addresscity"},
        "addresses.0.region": {STRONG: "region county state province addressregion"},
        "addresses.0.postcode": {STRONG: "postcode postalcode zip zipcode addresspostcode"},
        "addresses.0.country": {STRONG: "country countrycode addresscountry"},
        "source_version": {STRONG: "sourceversion version"},
    },
    ImportKind.PRODUCT_RULES: {
        "group": {STRONG: "group customergroup groupslug groupcode"},
        "sku": _SKU,
        "pack_size": {
            STRONG: "packsize packqty packquantity casesize caseqty ordermultiple multiple sellinmultiplesof "
            "multipleof increment orderincrement"
        },
        "min_qty": {STRONG: "minqty minimumqty minquantity minimumquantity minorderqty minimumorderquantity moq"},
        "max_qty": {STRONG: "maxqty maximumqty maxquantity maximumquantity maxorderqty maximumorderquantity"},
        "sell": {STRONG: "sell sellable cansell orderable canorder purchasable forsale"},
        "display": {STRONG: "display visible show displayed shown"},
        "source_version": {STRONG: "sourceversion version"},
    },
}

KEY_FIELDS: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.PRICES: ("sku",),
    ImportKind.PRICE_LISTS: ("slug",),
    ImportKind.CUSTOMER_GROUPS: ("slug",),
    ImportKind.CUSTOMERS: ("id", "email"),
    ImportKind.PRODUCT_RULES: ("sku",),
}
"""A header row is recognised by these: the first row (of the first few) that has one is the header."""

REQUIRED: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.PRICES: ("sku",),
    ImportKind.PRICE_LISTS: ("slug", "name", "currency"),
    ImportKind.CUSTOMER_GROUPS: ("slug", "name"),
    ImportKind.CUSTOMERS: ("id",),
    ImportKind.PRODUCT_RULES: ("sku",),
}


def _table(kind: ImportKind) -> dict[str, tuple[str, int]]:
    table: dict[str, tuple[str, int]] = {}
    for canonical, ranks in _ALIASES[kind].items():
        table[normalise(canonical)] = (canonical, STRONG)
        for rank, words in ranks.items():
            for alias in words.split():
                table.setdefault(alias, (canonical, rank))
    return table


_TABLES = {kind: _table(kind) for kind in ImportKind}


def lookup(kind: ImportKind, header: str) -> tuple[str, int] | None:
    """(canonical field, rank) for a header of `kind`, or None. A trailing currency code on a price header
    (`Price GBP`) is part of the price's name, not a separate field."""
    key = normalise(header)
    found = _TABLES[kind].get(key)
    if found is None and kind is ImportKind.PRICES and len(key) > 3 and key[-3:].upper() in MINOR_UNITS:
        found = _TABLES[kind].get(key[:-3])
        if found is not None and found[0] != "price":
            found = None
    return found


# Tier-per-column headers (prices) ---------------------------------------------------------------------------------

_PRICE_WORDS = {alias for words in _PRICE.values() for alias in words.split()}
_QTY_WORDS = {alias for words in _QTY.values() for alias in words.split()}
_FILLERS = re.compile(r"break|tier|level|band|step|bracket|scale")
_AT_QTY = re.compile(
    r"(?:^|[\s(\[@]|for|at|from)\s*(\d{1,10})\s*(?:\+|plus\b|or more\b|and (?:over|above|more)\b"
    r"|(?:-|–|to)\s*\d{1,10}\b)"
    r"|(?:@|\bfor|\bat|\bfrom)\s*(\d{1,10})\b",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"([a-z]*?)(\d{1,3})([a-z]*)")


@dataclass(frozen=True, slots=True)
class TierColumn:
    """One tier of a tier-per-column price file: its price column, and its quantity — from a qty column (`qty`),
    else `min_qty` (fixed by the header, `Price 10+`, or 1 for the first tier). With a qty column, `min_qty` is
    what an empty qty cell means (1 for the first tier; None: the quantity is required)."""

    price: int
    qty: int | None
    min_qty: int | None


def tier_header(header: str) -> tuple[str, int] | None:
    """Classify a header of the tier-per-column layout.

    ("at", N) — the column holds the price from quantity N, read from the header: `Price 10+`, `10+`,
    `Price (10+)`, `Price 10-49`, `Price 10 to 49`, `Price @ 10`, `Price for 10`, `Price from 10`;
    ("price", i) / ("qty", i) — the price / quantity of the i-th tier: `Price 2` + `Qty 2`, `Break 1 Qty` +
    `Break 1 Price`, `Qty Break 3` + `Price Break 3`, `Tier 2 Min Qty` + `Tier 2 Unit Price`, `Level 4 …`.
    """
    dashed = header.replace("–", "-").replace("—", "-")
    lowered = unicodedata.normalize("NFKD", dashed).encode("ascii", "ignore").decode("ascii").lower().strip()
    match = _AT_QTY.search(lowered)
    if match is not None:
        rest = normalise(lowered[: match.start()] + " " + lowered[match.end() :])
        rest = re.sub(r"^(?:qty|quantity|units?|pcs|each)|(?:qty|quantity|units?|pcs|each)$", "", rest)
        if rest == "" or rest in _PRICE_WORDS:
            return "at", int(match.group(1) or match.group(2))
    numbered = _NUMBERED.fullmatch(normalise(lowered))
    if numbered is not None:
        words = _FILLERS.sub("", numbered.group(1) + numbered.group(3))
        index = int(numbered.group(2))
        if words in _PRICE_WORDS:
            return "price", index
        if words in _QTY_WORDS:
            return "qty", index
    return None


# Resolving a header row -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Columns:
    """A header row resolved: canonical field → column index, the tier columns (prices), and what was ignored."""

    headers: list[str]
    fields: dict[str, int] = field(default_factory=dict)
    tiers: list[TierColumn] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def header(self, canonical: str) -> str:
        """The column as the file names it, for reports; the canonical name when the file has no such column."""
        index = self.fields.get(canonical)
        return self.headers[index] if index is not None else canonical

    @property
    def tier_layout(self) -> bool:
        return bool(self.tiers)

    @property
    def width(self) -> int:
        """How many cells a row may hold: up to the header's last named column (trailing empty header cells, as
        Excel writes `sku,price,,`, name nothing)."""
        for index in range(len(self.headers) - 1, -1, -1):
            if self.headers[index]:
                return index + 1
        return 0

    def overflow(self, line: int, row: Sequence[str]) -> Rejection | None:
        """A delimited row with a value beyond the header's last column, or None. Its cells are shifted: a value
        holding the delimiter unquoted (`Washers 8,10` in a comma file, a decimal comma `3,50`) splits into two
        cells and every cell after it lands one column to the right, so `W-1,Washers 8,10,3.50` under
        `sku,description,price` would store 10. The whole row is refused, never read shifted. Empty cells beyond
        the header (`a,b,c,,`) are fine."""
        width = self.width
        for index in range(width, len(row)):
            value = row[index].strip()
            if value:
                values = max(i for i in range(len(row)) if row[i].strip()) + 1
                return Rejection(
                    line,
                    f"column {column_letter(index)}",
                    value,
                    f"the row has {values} values for {width} columns: a value holding the delimiter unquoted (or "
                    "a decimal comma in a comma-separated file) splits in two and shifts the cells after it; quote "
                    "that value, or clear what is beyond the header",
                )
        return None


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: a column as a spreadsheet names it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def is_header(kind: ImportKind, cells: Sequence[str]) -> bool:
    """Whether a row names at least one of the kind's key columns (so it is the header, not a title row)."""
    keys = KEY_FIELDS[kind]
    return any((found := lookup(kind, cell)) is not None and found[0] in keys for cell in cells)


def resolve(kind: ImportKind, headers: Sequence[str]) -> Columns:
    """Map a header row, or raise InvalidFile naming what is missing or ambiguous."""
    columns = Columns(headers=[header.strip() for header in headers])
    best: dict[str, list[tuple[int, int]]] = {}
    numbered: dict[int, dict[str, int]] = {}
    at_qty: list[tuple[int, int]] = []
    for index, header in enumerate(columns.headers):
        if not header:
            continue
        found = lookup(kind, header)
        if found is not None:
            best.setdefault(found[0], []).append((found[1], index))
            continue
        tier = tier_header(header) if kind is ImportKind.PRICES else None
        if tier is None:
            columns.ignored.append(header)
        elif tier[0] == "at":
            at_qty.append((tier[1], index))
        else:
            pair = numbered.setdefault(tier[1], {})
            if tier[0] in pair:
                raise InvalidFile(
                    f"columns '{columns.headers[pair[tier[0]]]}' and '{header}' both read as {tier[0]} {tier[1]}"
                )
            pair[tier[0]] = index
    for canonical, candidates in best.items():
        candidates.sort(key=lambda candidate: (-candidate[0], candidate[1]))
        top = [index for rank, index in candidates if rank == candidates[0][0]]
        if len(top) > 1:
            names = " and ".join(f"'{columns.headers[index]}'" for index in top)
            raise InvalidFile(f"columns {names} both read as {canonical}; rename or remove one")
        columns.fields[canonical] = top[0]
        columns.ignored.extend(columns.headers[index] for _, index in candidates[1:])
    if kind is ImportKind.PRICES and (numbered or at_qty):
        columns.tiers = _tier_columns(columns, numbered, at_qty)
    missing = [name for name in REQUIRED[kind] if name not in columns.fields]
    if kind is ImportKind.PRICES and not columns.tiers and "price" not in columns.fields:
        missing.append("price")
    if missing:
        raise InvalidFile(_missing_message(kind, missing, columns.headers))
    return columns


def _tier_columns(
    columns: Columns, numbered: dict[int, dict[str, int]], at_qty: list[tuple[int, int]]
) -> list[TierColumn]:
    headers = columns.headers
    tiers: list[TierColumn] = []
    base_price = columns.fields.pop("price", None)
    base_qty = columns.fields.pop("qty", None)
    if base_price is not None:
        tiers.append(TierColumn(base_price, base_qty, 1))
    elif base_qty is not None:
        raise InvalidFile(f"column '{headers[base_qty]}' has no price column beside it")
    for position, index in enumerate(sorted(numbered)):
        pair = numbered[index]
        if "price" not in pair:
            raise InvalidFile(f"column '{headers[pair['qty']]}' has no matching price column")
        first = position == 0 and base_price is None
        if "qty" not in pair and not first:
            raise InvalidFile(
                f"column '{headers[pair['price']]}' has no matching quantity column; "
                "name the pairs like 'Qty 2' / 'Price 2'"
            )
        tiers.append(TierColumn(pair["price"], pair.get("qty"), 1 if first else None))
    for min_qty, index in sorted(at_qty):
        tiers.append(TierColumn(index, None, min_qty))
    fixed = [tier.min_qty for tier in tiers if tier.qty is None and tier.min_qty is not None]
    if len(fixed) != len(set(fixed)):
        repeated = sorted({qty for qty in fixed if fixed.count(qty) > 1})
        raise InvalidFile(f"several price columns are for quantity {repeated[0]}")
    return tiers


_EXAMPLES = {
    "sku": "SKU, Product Code, Item Number, Stock Code",
    "price": "Price, Unit Price, or tier columns like Price 1+ / Price 10+",
    "slug": "Slug, Code",
    "name": "Name",
    "currency": "Currency",
    "id": "ID, Customer ID, Account Number",
    "email": "Email",
}


def _missing_message(kind: ImportKind, missing: list[str], headers: list[str]) -> str:
    described = [f"'{name}'" + (f" (e.g. {_EXAMPLES[name]})" if name in _EXAMPLES else "") for name in missing]
    seen = ", ".join(f"'{header}'" for header in headers if header) or "none"
    return f"missing required column {' and '.join(described)}; the file's columns are: {seen}"


HEADER_SEARCH_ROWS = 10
"""Title rows above the header ("Trade price list — March") are skipped, up to this many."""


def find_header(kind: ImportKind, rows: Iterator[tuple[int, list[str]]]) -> tuple[int, Columns]:
    """Consume rows up to and including the header row; (its row number, its columns). Raise InvalidFile when the
    file has no rows or its header lacks a required column."""
    first: tuple[int, list[str]] | None = None
    skipped = 0
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if is_header(kind, cells):
            return number, resolve(kind, cells)
        first = first or (number, cells)
        skipped += 1
        if skipped >= HEADER_SEARCH_ROWS:
            break
    if first is None:
        raise InvalidFile("the file has no rows")
    return first[0], resolve(kind, first[1])  # raises: the first row is no header either
