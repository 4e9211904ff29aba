"""The webhook's signature, and the receiver's snippet in docs/events.md: what one signs, the other accepts."""

import time

import pytest

from tests.webhook_receiver import documented_verification
from tradeprice.logic.webhooks import signature, verify

SECRET = b"s" * 48
BODY = b'{"detail-type":"prices.changed","detail":{"id":"abc"}}'


def test_the_documented_receiver_accepts_what_the_webhook_signs() -> None:
    header = signature(SECRET, int(time.time()), BODY)
    assert documented_verification()(SECRET, header, BODY)
    assert verify(SECRET, header, BODY, int(time.time()))


@pytest.mark.parametrize(
    ("secret", "body", "age"),
    [(b"x" * 48, BODY, 0), (SECRET, BODY.replace(b"abc", b"abd"), 0), (SECRET, BODY, 3600)],
    ids=["wrong secret", "changed body", "replayed an hour later"],
)
def test_the_documented_receiver_refuses_forgeries_and_replays(secret: bytes, body: bytes, age: int) -> None:
    header = signature(secret, int(time.time()) - age, body)
    assert not documented_verification()(SECRET, header, BODY)
    assert not verify(SECRET, header, BODY, int(time.time()))
