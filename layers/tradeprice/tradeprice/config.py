"""Configuration: a pydantic model of the environment, validated once and cached."""

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
    import_jobs_table: str = "tradeprice-import-jobs"
    idempotency_table: str = "tradeprice-idempotency"
    imports_bucket: str = "tradeprice-imports"
    token_secrets_id: str = "tradeprice/customer-token-secrets"  # noqa: S105 - the secret's name, not a secret
    """Secrets Manager secret holding the customer-token signing secrets as JSON {key id: secret}."""

    price_strategy: Literal["first", "lowest"] = "first"
    """`first`: the first candidate list with a price wins; `lowest`: the lowest unit price across candidates."""
    reference_cache_seconds: Annotated[float, Field(ge=0, le=3600)] = 30
    """How long a warm function reuses price-list, group and customer definitions before reading them again."""
    dynamodb_max_workers: Annotated[int, Field(ge=1, le=64)] = 8
    """Parallel DynamoDB calls one request may have in flight."""
    retry_base_seconds: Annotated[float, Field(ge=0, le=5)] = 0.05
    """First backoff before retrying unprocessed batch items; doubles with full jitter on each attempt."""
    retry_attempts: Annotated[int, Field(ge=1, le=20)] = 8


@cache
def get_settings() -> Settings:
    import os

    return Settings.model_validate({key.lower(): value for key, value in os.environ.items()})
