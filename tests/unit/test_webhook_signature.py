"""The webhook's signature, and the receiver's snippet in docs/events.md: what one signs, the other accepts."""

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tradeprice.logic.webhooks import signature, verify

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"
SECRET = b"s" * 48
BODY = b'{"detail-type":"prices.changed","detail":{"id":"abc"}}'


def _receiver_snippet() -> Callable[..., bool]:
    """The verification function exactly as docs/events.md shows it."""
    (code,) = [block for block in re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.S) if "def verify" in block]
    namespace: dict[str, Any] = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # the project's own documentation
    return namespace["verify_tradeprice_signature"]


def test_the_documented_receiver_accepts_what_the_webhook_signs() -> None:
    header = signature(SECRET, int(time.time()), BODY)
    assert _receiver_snippet()(SECRET, header, BODY)
    assert verify(SECRET, header, BODY, int(time.time()))


@pytest.mark.parametrize(
    ("secret", "body", "age"),
    [(b"x" * 48, BODY, 0), (SECRET, BODY.replace(b"abc", b"abd"), 0), (SECRET, BODY, 3600)],
    ids=["wrong secret", "changed body", "replayed an hour later"],
)
def test_the_documented_receiver_refuses_forgeries_and_replays(secret: bytes, body: bytes, age: int) -> None:
    header = signature(secret, int(time.time()) - age, body)
    assert not _receiver_snippet()(SECRET, header, BODY)
    assert not verify(SECRET, header, BODY, int(time.time()))
