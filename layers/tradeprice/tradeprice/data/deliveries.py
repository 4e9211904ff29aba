"""Webhook deliveries already applied, by the platform's delivery id, so a redelivery is answered and skipped.

They live in the idempotency table (its `id` key and `expiration` TTL), under a prefix Powertools never uses;
a delivery is recorded only after it has been applied, so a failed attempt is retried rather than forgotten.
"""

import time

from tradeprice.config import get_settings
from tradeprice.data.batch import call_with_retries

KEEP_SECONDS = 7 * 24 * 3600
"""Longer than any platform retries a delivery (Shopify: 48 hours)."""


def _key(platform: str, delivery_id: str) -> dict[str, dict[str, str]]:
    return {"id": {"S": f"webhook-delivery#{platform}#{delivery_id}"}}


def seen(platform: str, delivery_id: str) -> bool:
    return "Item" in call_with_retries(
        "get_item", TableName=get_settings().idempotency_table, Key=_key(platform, delivery_id), ConsistentRead=True
    )


def remember(platform: str, delivery_id: str) -> None:
    item = {**_key(platform, delivery_id), "expiration": {"N": str(int(time.time()) + KEEP_SECONDS)}}
    call_with_retries("put_item", TableName=get_settings().idempotency_table, Item=item)
