"""The docs page's vendored Swagger UI (functions/ingest_api/swagger_ui) is exactly the pinned release."""

import hashlib
from pathlib import Path

SWAGGER_UI = Path(__file__).resolve().parents[2] / "functions" / "ingest_api" / "swagger_ui"


def test_the_vendored_files_match_their_pinned_hashes():
    pinned = dict(reversed(line.split()) for line in (SWAGGER_UI / "SHA256SUMS").read_text().splitlines())

    assert set(pinned) == {"swagger-ui-bundle.js", "swagger-ui.css"}
    for name, digest in pinned.items():
        assert hashlib.sha256((SWAGGER_UI / name).read_bytes()).hexdigest() == digest, name


def test_the_licences_ship_with_them():
    assert "Apache License" in (SWAGGER_UI / "LICENSE").read_text()
    assert (SWAGGER_UI / "swagger-ui-bundle.js.LICENSE.txt").is_file()
