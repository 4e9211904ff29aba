"""Configuration: a typed model of the environment, validated once and cached.

Not a pydantic model, unlike every other boundary, and on purpose: every function reads its settings on its first
request, so the settings model is on every cold path, and the lookup's (docs/operations.md, Cold start) must stay
within 1.3× an interpreter that only builds a DynamoDB client. Building this model with pydantic cost the lookup
pydantic itself plus the model's schema (~150 ms of CPU on a loaded 2-core machine, about a third of the floor).
A frozen dataclass whose fields carry their bounds (`Bounds`) gives the same typed, validated, cached object: each
value is converted to its field's type and checked against its bounds, and a bad value fails loudly, naming the
variable, before any request is served.
"""

import dataclasses
import math
from dataclasses import KW_ONLY, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, Literal, get_args, get_origin

from tradeprice.domain.records import record


@record
class Bounds:
    """Limits of a numeric setting (inclusive unless named `gt`)."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None

    def check(self, name: str, value: float | Decimal) -> None:
        if self.ge is not None and value < self.ge:
            raise ValueError(f"{name} must be at least {self.ge}, not {value}")
        if self.gt is not None and value <= self.gt:
            raise ValueError(f"{name} must be greater than {self.gt}, not {value}")
        if self.le is not None and value > self.le:
            raise ValueError(f"{name} must be at most {self.le}, not {value}")


def bounds(**limits: float) -> dict[str, Bounds]:
    """A numeric setting's limits, as its field's metadata."""
    return {"bounds": Bounds(**limits)}


@record
class Settings:
    """Every setting a function reads; names match the template's environment variables (case-insensitive)."""

    _: KW_ONLY
    price_lists_table: str = "tradeprice-price-lists"
    prices_table: str = "tradeprice-prices"
    customer_groups_table: str = "tradeprice-customer-groups"
    customers_table: str = "tradeprice-customers"
    customer_emails_table: str = "tradeprice-customer-emails"
    api_keys_table: str = "tradeprice-api-keys"
    product_rules_table: str = "tradeprice-product-rules"
    stamps_table: str = "tradeprice-stamps"
    """Generation stamps of the reference data the lookup caches (data/reference.py)."""
    import_jobs_table: str = "tradeprice-import-jobs"
    idempotency_table: str = "tradeprice-idempotency"
    customer_links_table: str = "tradeprice-customer-links"
    imports_bucket: str = "tradeprice-imports"
    token_secrets_id: str = "tradeprice/customer-token-secrets"  # noqa: S105 - the secret's name, not a secret
    """Secrets Manager secret holding the customer-token signing secrets as JSON {key id: secret}."""
    cursor_secret_id: str = "tradeprice/paging-cursor-secret"  # noqa: S105 - the secret's name, not a secret
    """Secrets Manager secret whose random string signs list endpoints' paging cursors."""

    sync_log_table: str = "tradeprice-sync-log"
    sync_log_days: int = field(default=14, metadata=bounds(ge=1, le=90))
    """How long the sync log keeps a batch with rejected records (DynamoDB TTL deletes it after)."""
    staff_user_pool_id: str = ""
    """The console's staff (a Cognito user pool); empty: no staff sign-in, API keys only."""
    staff_client_id: str = ""
    """The console's Cognito app client: only access tokens issued for it are accepted."""

    allowed_origins: str = ""
    """Comma-separated browser origins the lookup answers with CORS headers (e.g. https://shop.example.com)."""

    price_strategy: Literal["first", "lowest"] = "first"
    """`first`: the first candidate list with a price wins; `lowest`: the lowest unit price across candidates."""
    dynamodb_max_workers: int = field(default=8, metadata=bounds(ge=1, le=64))
    """Parallel DynamoDB calls one request may have in flight."""
    retry_base_seconds: float = field(default=0.05, metadata=bounds(ge=0, le=5))
    """First backoff before retrying unprocessed batch items; doubles with full jitter on each attempt."""
    retry_attempts: int = field(default=8, metadata=bounds(ge=1, le=20))

    # File imports (docs/imports.md) --------------------------------------------------------------------------------
    import_max_price_ratio: Decimal = field(default=Decimal(5), metadata=bounds(gt=1, le=1_000_000))
    """Guardrail: an import stops before writing when a stored price would grow or shrink by more than this factor
    (33.61 → 3361 is ×100, 33.61 → 3.361 is ÷10), unless forced."""
    import_max_remove_share: float = field(default=0.5, metadata=bounds(ge=0, le=1))
    """Guardrail: a `replace` import stops before writing when it would remove more than this share of its list."""
    import_run_budget_seconds: float = field(default=0, metadata=bounds(ge=0))
    """Writing time one invocation spends on a file before it checkpoints and continues in the next (0: as long as
    the Lambda's own timeout allows)."""
    import_stop_margin_seconds: float = field(default=45, metadata=bounds(ge=0, le=600))
    """An invocation stops writing (checkpoints, continues in another) when less than this remains of its timeout."""
    import_checkpoint_seconds: float = field(default=5, metadata=bounds(ge=0, le=600))
    """How often a running import records its checkpoint and progress in the job."""
    import_chunk_records: int = field(default=1000, metadata=bounds(ge=1, le=1000))
    """Records handed to the write path at a time (the API's batch limit)."""
    import_max_attempts: int = field(default=3, metadata=bounds(ge=1, le=100))
    """Deliveries of one import message before its job is marked failed (the import queue's maxReceiveCount)."""
    import_queue_url: str = ""
    """Where an import continues a file that outlasts one invocation (the import queue)."""
    import_report_max_rows: int = field(default=100_000, metadata=bounds(ge=1))
    """Rows an error report lists at most (the job counts every rejected row)."""
    import_upload_url_seconds: int = field(default=3600, metadata=bounds(ge=60, le=7 * 24 * 3600))
    """How long a presigned upload URL from POST /v1/imports stays valid."""
    import_report_url_seconds: int = field(default=3600, metadata=bounds(ge=60, le=7 * 24 * 3600))
    """How long a report link from GET /v1/imports/{id} stays valid."""

    # Platform customers and field ownership (docs/field-ownership.md, docs/integrations/shopify.md, bigcommerce.md) --
    field_ownership: str = ""
    """JSON: per record kind and field group, the source that owns it, e.g.
    {"customers": {"identity": "platform", "group": "erp", "pricing": "erp", "terms": "erp", "status": "erp"}}.
    Empty: nobody owns anything, the last write wins."""
    shopify_mapping: str = ""
    """JSON: how Shopify customers map, e.g. {"tag_rules": [{"tag": "wholesale", "group": "trade"}],
    "default_group": "base"}."""
    bigcommerce_mapping: str = ""
    """JSON: how BigCommerce customers map, e.g. {"groups": {"2": "trade"}, "default_group": "base"}."""
    shopify_secret_id: str = "tradeprice/shopify"  # noqa: S105 - the secret's name, not a secret
    """Secrets Manager secret holding {"app_secret": "<the Shopify app's client secret>"}."""
    bigcommerce_webhook_secret_id: str = "tradeprice/bigcommerce-webhook"  # noqa: S105 - a name
    """Secrets Manager secret holding {"webhook_secret": "<the value BigCommerce sends in X-Webhook-Secret>"}."""
    bigcommerce_api_secret_id: str = "tradeprice/bigcommerce-api"  # noqa: S105 - a name
    """Secrets Manager secret holding {"store_hash": "...", "access_token": "..."} for the Customers v3 API."""
    bigcommerce_api_url: str = "https://api.bigcommerce.com"
    """Where the BigCommerce Management API answers (tests point it at a fake server on loopback)."""
    bigcommerce_timeout_seconds: float = field(default=5, metadata=bounds(gt=0, le=30))
    """Connect and read timeout of one call to BigCommerce."""
    bigcommerce_attempts: int = field(default=4, metadata=bounds(ge=1, le=10))
    """Calls to BigCommerce per customer before the message is handed back to the queue (then its DLQ)."""
    platform_sync_queue_url: str = ""
    """Where the BigCommerce webhook queues customer ids for the sync function to fetch."""

    # Change events and history (docs/events.md) ---------------------------------------------------------------------
    history_table: str = "tradeprice-history"
    event_bus_name: str = "tradeprice-events"
    history_retention_days: int = field(default=90, metadata=bounds(ge=1, le=3650))
    """How long a change stays in the history (its TTL); `as_of` lookups reach back this far."""
    event_max_changes: int = field(default=100, metadata=bounds(ge=1, le=500))
    """Changes one event names at most (an event stays far below EventBridge's 256 KB)."""
    event_max_per_group: int = field(default=10, metadata=bounds(ge=1, le=1000))
    """Detailed events one request or import job sends per record kind and list; then one pointer, then silence."""
    webhook_url: str = ""
    """Where the webhook function POSTs each change event (empty: no webhook)."""
    webhook_secret_id: str = ""
    """Secrets Manager secret holding the webhook's signing secret as JSON {"secret": ...}."""

    @property
    def allowed_origin_set(self) -> frozenset[str]:
        return frozenset(origin.strip().rstrip("/") for origin in self.allowed_origins.split(",") if origin.strip())

    @classmethod
    def from_environment(cls, environment: dict[str, str]) -> "Settings":
        """The settings named in `environment` (names case-insensitive), each converted and checked; the rest
        keep their defaults, and unknown names are ignored (the environment holds far more than settings)."""
        named = {key.lower(): value for key, value in environment.items()}
        given = {setting.name: _convert(setting, named[setting.name]) for setting in FIELDS if setting.name in named}
        return cls(**given)


FIELDS = dataclasses.fields(Settings)


def _convert(setting: "dataclasses.Field[Any]", text: str) -> Any:
    """`text` as the field's type (str, int, float, Decimal or a Literal of strings), within its bounds."""
    kind: Any = setting.type
    name = setting.name.upper()
    if get_origin(kind) is Literal:
        if text not in get_args(kind):
            allowed = ", ".join(repr(choice) for choice in get_args(kind))
            raise ValueError(f"{name} must be one of {allowed}, not {text!r}")
        return text
    if kind == "str" or kind is str:
        return text
    try:
        value = {int: int, float: float, Decimal: Decimal}[kind](text.strip())
    except (ValueError, InvalidOperation):
        raise ValueError(f"{name} must be a number ({kind.__name__}), not {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {text!r}")
    limits = setting.metadata.get("bounds")
    if limits is not None:
        limits.check(name, value)
    return value


@cache
def get_settings() -> Settings:
    import os

    return Settings.from_environment(dict(os.environ))
