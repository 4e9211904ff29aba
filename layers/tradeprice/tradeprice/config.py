"""Configuration: a pydantic model of the environment, validated once and cached."""

from decimal import Decimal
from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """Every setting a function reads; names match the template's environment variables (case-insensitive)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

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

    allowed_origins: str = ""
    """Comma-separated browser origins the lookup answers with CORS headers (e.g. https://shop.example.com)."""

    price_strategy: Literal["first", "lowest"] = "first"
    """`first`: the first candidate list with a price wins; `lowest`: the lowest unit price across candidates."""
    dynamodb_max_workers: Annotated[int, Field(ge=1, le=64)] = 8
    """Parallel DynamoDB calls one request may have in flight."""
    retry_base_seconds: Annotated[float, Field(ge=0, le=5)] = 0.05
    """First backoff before retrying unprocessed batch items; doubles with full jitter on each attempt."""
    retry_attempts: Annotated[int, Field(ge=1, le=20)] = 8

    # File imports (docs/imports.md) --------------------------------------------------------------------------------
    import_max_price_ratio: Annotated[Decimal, Field(gt=1, le=1_000_000)] = Decimal(5)
    """Guardrail: an import stops before writing when a stored price would grow or shrink by more than this factor
    (33.61 → 3361 is ×100, 33.61 → 3.361 is ÷10), unless forced."""
    import_max_remove_share: Annotated[float, Field(ge=0, le=1)] = 0.5
    """Guardrail: a `replace` import stops before writing when it would remove more than this share of its list."""
    import_run_budget_seconds: Annotated[float, Field(ge=0)] = 0
    """Writing time one invocation spends on a file before it checkpoints and continues in the next (0: as long as
    the Lambda's own timeout allows)."""
    import_stop_margin_seconds: Annotated[float, Field(ge=0, le=600)] = 45
    """An invocation stops writing (checkpoints, continues in another) when less than this remains of its timeout."""
    import_checkpoint_seconds: Annotated[float, Field(ge=0, le=600)] = 5
    """How often a running import records its checkpoint and progress in the job."""
    import_chunk_records: Annotated[int, Field(ge=1, le=1000)] = 1000
    """Records handed to the write path at a time (the API's batch limit)."""
    import_max_attempts: Annotated[int, Field(ge=1, le=100)] = 3
    """Deliveries of one import message before its job is marked failed (the import queue's maxReceiveCount)."""
    import_queue_url: str = ""
    """Where an import continues a file that outlasts one invocation (the import queue)."""
    import_report_max_rows: Annotated[int, Field(ge=1)] = 100_000
    """Rows an error report lists at most (the job counts every rejected row)."""
    import_upload_url_seconds: Annotated[int, Field(ge=60, le=7 * 24 * 3600)] = 3600
    """How long a presigned upload URL from POST /v1/imports stays valid."""
    import_report_url_seconds: Annotated[int, Field(ge=60, le=7 * 24 * 3600)] = 3600
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
    bigcommerce_timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 5
    """Connect and read timeout of one call to BigCommerce."""
    bigcommerce_attempts: Annotated[int, Field(ge=1, le=10)] = 4
    """Calls to BigCommerce per customer before the message is handed back to the queue (then its DLQ)."""
    platform_sync_queue_url: str = ""
    """Where the BigCommerce webhook queues customer ids for the sync function to fetch."""

    # Change events and history (docs/events.md) ---------------------------------------------------------------------
    history_table: str = "tradeprice-history"
    event_bus_name: str = "tradeprice-events"
    history_retention_days: Annotated[int, Field(ge=1, le=3650)] = 90
    """How long a change stays in the history (its TTL); `as_of` lookups reach back this far."""
    event_max_changes: Annotated[int, Field(ge=1, le=500)] = 100
    """Changes one event names at most (an event stays far below EventBridge's 256 KB)."""
    event_max_per_group: Annotated[int, Field(ge=1, le=1000)] = 10
    """Detailed events one request or import job sends per record kind and list; then one pointer, then silence."""
    webhook_url: str = ""
    """Where the webhook function POSTs each change event (empty: no webhook)."""
    webhook_secret_id: str = ""
    """Secrets Manager secret holding the webhook's signing secret as JSON {"secret": ...}."""

    @property
    def allowed_origin_set(self) -> frozenset[str]:
        return frozenset(origin.strip().rstrip("/") for origin in self.allowed_origins.split(",") if origin.strip())


@cache
def get_settings() -> Settings:
    import os

    return Settings.model_validate({key.lower(): value for key, value in os.environ.items()})
