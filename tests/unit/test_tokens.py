"""Customer tokens: what verifies, and every way a token is refused (always Unauthorized, never data)."""

import base64
from datetime import UTC, datetime, timedelta

import pytest

from tradeprice.auth import tokens
from tradeprice.errors import Unauthorized

NOW = datetime(2026, 11, 26, 18, tzinfo=UTC)
OLD_SECRET = b"old-secret-old-secret-old-secret-0123"
NEW_SECRET = b"new-secret-new-secret-new-secret-4567"


def refusal(token: str, secrets: dict[str, bytes], now: datetime = NOW) -> str:
    with pytest.raises(Unauthorized) as refused:
        tokens.verify(token, secrets, now)
    return str(refused.value.extensions["reason"])


def test_a_minted_token_verifies_to_its_customer_and_expiry():
    token = tokens.mint("C-1001", 900, NEW_SECRET, "k2", now=NOW)

    verified = tokens.verify(token, {"k2": NEW_SECRET}, NOW)

    assert verified == tokens.CustomerToken("C-1001", NOW + timedelta(seconds=900), "k2")


def test_a_token_is_compact_and_url_safe():
    token = tokens.mint("C-1001", 900, NEW_SECRET, "k2", now=NOW)
    assert len(token) < 100
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_any_customer_id_round_trips():
    customer_id = "Ünïcode Ltd. / #42 + ?&="
    token = tokens.mint(customer_id, 60, NEW_SECRET, now=NOW)
    assert tokens.verify(token, {tokens.DEFAULT_KID: NEW_SECRET}, NOW).customer_id == customer_id


def test_expiry_is_exclusive_at_the_exact_second():
    token = tokens.mint("C-1001", 900, NEW_SECRET, "k2", now=NOW)
    last_moment = NOW + timedelta(seconds=900) - timedelta(microseconds=1)

    assert tokens.verify(token, {"k2": NEW_SECRET}, last_moment).customer_id == "C-1001"
    assert refusal(token, {"k2": NEW_SECRET}, NOW + timedelta(seconds=900)) == "token_expired"


def test_a_token_signed_with_another_secret_is_forged():
    token = tokens.mint("C-1001", 900, b"someone-else-entirely-someone-else-00", "k2", now=NOW)
    assert refusal(token, {"k2": NEW_SECRET}) == "bad_signature"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda parts: [*parts[:2], tokens._encode(b"C-9999"), *parts[3:]], id="other customer"),
        pytest.param(lambda parts: [*parts[:3], str(int(parts[3]) + 86_400), parts[4]], id="later expiry"),
        pytest.param(lambda parts: [parts[0], "k1", *parts[2:]], id="other known kid"),
        pytest.param(lambda parts: [*parts[:4], parts[4][:-1] + ("A" if parts[4][-1] != "A" else "B")], id="signature"),
    ],
)
def test_changing_any_part_breaks_the_signature(tamper):
    parts = tokens.mint("C-1001", 900, NEW_SECRET, "k2", now=NOW).split(".")
    forged = ".".join(tamper(parts))
    assert refusal(forged, {"k1": NEW_SECRET, "k2": NEW_SECRET}) == "bad_signature"


def test_an_unknown_key_id_is_refused():
    token = tokens.mint("C-1001", 900, NEW_SECRET, "retired", now=NOW)
    assert refusal(token, {"k2": NEW_SECRET}) == "unknown_key"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-token",
        "tp1.k2.QzEwMDE.1795717800",  # no signature
        "tp2.k2.QzEwMDE.1795717800." + "A" * 43,  # unknown version
        "tp1.k2.QzEwMDE.soon." + "A" * 43,  # expiry not a number
        "tp1.k2.QzEwMDE.1795717800." + "A" * 42,  # signature too short
        "tp1.k2.QzEw+DE.1795717800." + "A" * 43,  # not URL-safe base64
        "tp1.k2.QzEwMDE.1795717800." + "A" * 43 + ".extra",
        "tp1..QzEwMDE.1795717800." + "A" * 43,  # empty kid
        "tp1.k2.QzEwMDE.1795717800." + "A" * 43 + "\n",
        "tp1.k2." + "Q" * 5000 + ".1795717800." + "A" * 43,  # oversized
    ],
)
def test_malformed_tokens_are_refused_before_anything_is_checked(token):
    assert refusal(token, {"k2": NEW_SECRET}) == "malformed_token"


def test_a_signed_token_whose_customer_is_not_utf8_is_still_refused():
    # Only a holder of the secret could produce this; refuse it rather than guess at a customer id.
    not_utf8 = tokens._encode(b"\xff\xfe")
    signed = f"tp1.k2.{not_utf8}.{int(NOW.timestamp()) + 60}"
    token = f"{signed}.{tokens._signature(NEW_SECRET, signed)}"
    assert refusal(token, {"k2": NEW_SECRET}) == "malformed_token"


def test_rotation_two_secrets_verify_side_by_side():
    during_rotation = {"k1": OLD_SECRET, "k2": NEW_SECRET}
    minted_before = tokens.mint("C-1001", 900, OLD_SECRET, "k1", now=NOW)
    minted_after = tokens.mint("C-2002", 900, NEW_SECRET, "k2", now=NOW)

    assert tokens.verify(minted_before, during_rotation, NOW).customer_id == "C-1001"
    assert tokens.verify(minted_after, during_rotation, NOW).customer_id == "C-2002"
    # Once the old secret is retired, its tokens stop working; the new ones carry on.
    assert refusal(minted_before, {"k2": NEW_SECRET}) == "unknown_key"
    assert tokens.verify(minted_after, {"k2": NEW_SECRET}, NOW).kid == "k2"


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (("", 900, NEW_SECRET, "k1"), "customer_id"),
        ((" C-1", 900, NEW_SECRET, "k1"), "customer_id"),
        (("C-1", 0, NEW_SECRET, "k1"), "ttl_seconds"),
        (("C-1", tokens.MAX_TTL_SECONDS + 1, NEW_SECRET, "k1"), "ttl_seconds"),
        (("C-1", 900, b"short", "k1"), "secret"),
        (("C-1", 900, NEW_SECRET, "k.1"), "kid"),
    ],
)
def test_mint_refuses_what_it_could_not_verify_safely(arguments, problem):
    with pytest.raises(ValueError, match=problem):
        tokens.mint(*arguments, now=NOW)


def test_the_command_line_mints_and_verifies_with_the_secret_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv(tokens.SECRET_ENV, NEW_SECRET.decode())
    monkeypatch.setenv(tokens.KID_ENV, "k2")

    assert tokens.main(["mint", "--customer", "C-1", "--ttl", "900"]) == 0
    token = capsys.readouterr().out.strip()
    assert tokens.verify(token, {"k2": NEW_SECRET}, datetime.now(UTC)).customer_id == "C-1"

    assert tokens.main(["verify", token]) == 0
    assert '"customer_id": "C-1"' in capsys.readouterr().out
    assert tokens.main(["verify", token[:-2] + "xx"]) == 1


def test_the_command_line_needs_the_secret(monkeypatch):
    monkeypatch.delenv(tokens.SECRET_ENV, raising=False)
    with pytest.raises(SystemExit) as exited:
        tokens.main(["mint", "--customer", "C-1"])
    assert exited.value.code == 2


def test_the_customer_part_is_plain_base64url():
    token = tokens.mint("C-1001", 900, NEW_SECRET, "k2", now=NOW)
    assert base64.urlsafe_b64decode(token.split(".")[2] + "==") == b"C-1001"


def signed_with_expiry(expires: int) -> str:
    """A token a holder of the secret could sign, with any expiry (mint() itself refuses long lifetimes)."""
    signed = f"tp1.k2.{tokens._encode(b'C-1001')}.{expires}"
    return f"{signed}.{tokens._signature(NEW_SECRET, signed)}"


@pytest.mark.parametrize(
    "expires",
    [
        pytest.param(999_999_999_999, id="year 33658, beyond datetime"),
        pytest.param(
            int(NOW.timestamp()) + tokens.MAX_TTL_SECONDS + tokens.CLOCK_SKEW_SECONDS + 1, id="longer than a day"
        ),
    ],
)
def test_a_validly_signed_token_that_lives_too_long_is_refused(expires):
    assert refusal(signed_with_expiry(expires), {"k2": NEW_SECRET}) == "lifetime_too_long"


def test_a_minting_clock_slightly_ahead_still_verifies():
    ahead = NOW + timedelta(seconds=tokens.CLOCK_SKEW_SECONDS)
    token = tokens.mint("C-1001", tokens.MAX_TTL_SECONDS, NEW_SECRET, "k2", now=ahead)

    assert tokens.verify(token, {"k2": NEW_SECRET}, NOW).customer_id == "C-1001"
