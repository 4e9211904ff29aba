"""The constraints of the named types (domain/types.py) as plain values, for code that checks them without pydantic
(the lookup's request parsing, api/lookup_requests.py). domain/types.py builds the pydantic types from these, so
the two cannot drift."""

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"

PRINTABLE_PATTERN = r"^[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$"
"""Printable, no surrounding whitespace: SKUs and external ids are matched byte for byte between systems."""
SKU_MAX_LENGTH = 128
EXTERNAL_ID_MAX_LENGTH = 128

CURRENCY_PATTERN = r"^[A-Z]{3}$"

QUANTITY_MAX = 10**9
