"""What the storefront platforms' adapters (`shopify`, `bigcommerce`) hand the write path: one customer each.

PURE, like the ERP adapters: a platform's native customer in, a `PlatformCustomer` out, carrying only the fields
the platform knows (so a webhook never resets the ERP's discount or price lists), the platform's own id (kept as
the customer's external id, `<platform>:<id>`) and its modification time (the write's `source_version`).
"""

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from tradeprice.domain.models import BASE_GROUP
from tradeprice.domain.types import Slug
from tradeprice.integrations.base import FieldError


class GroupMapping(BaseModel):
    """Shared by both platforms: where a customer no rule matches goes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default_group: Slug = BASE_GROUP


@dataclass(slots=True)
class PlatformCustomer:
    platform: str
    platform_id: str
    document: dict[str, Any]
    """Customer fields the platform carries, by the canonical names (no `id`: linking decides it)."""
    version: datetime | None
    warnings: list[FieldError] = field(default_factory=list)

    @property
    def external_id(self) -> str:
        return f"{self.platform}:{self.platform_id}"


def equal_secrets(presented: str | bytes | None, expected: str | bytes) -> bool:
    """Constant-time comparison of what a request carries with the secret (never a short-circuiting ==)."""
    if presented is None or not expected:
        return False
    left = presented.encode() if isinstance(presented, str) else presented
    right = expected.encode() if isinstance(expected, str) else expected
    return hmac.compare_digest(hashlib.sha256(left).digest(), hashlib.sha256(right).digest())


def text(value: Any) -> str | None:
    """A native string, stripped; None for null, empty or not a string."""
    return value.strip() if isinstance(value, str) and value.strip() else None
