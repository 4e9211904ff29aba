"""The three entry points on the local stack: the write API, a file dropped in the bucket, and the lookup."""

import csv
import io

import pytest

from tests.e2e.client import lookup

pytestmark = pytest.mark.e2e

BOLT = {
    "sku": "BOLT-M8",
    "tiers": [{"min_qty": 1, "price": "0.50"}, {"min_qty": 100, "price": "0.45"}, {"min_qty": 1000, "price": "0.40"}],
}
DRILL = {"sku": "DRILL-BIT-SET", "tiers": [{"min_qty": 1, "price": "33.61"}]}


def priced(response) -> list[tuple[str, int, str | None, str | None]]:
    assert response.status_code == 200, response.text
    return [(line["sku"], line["qty"], line["unit_price"], line["line_total"]) for line in response.json()["lines"]]


def test_prices_written_through_the_api_are_what_the_lookup_answers(api, keys, price_list):
    # Given a ladder and a two-decimal price written with the write key
    written = api.put(f"/v1/price-lists/{price_list}/prices", key=keys.write, json={"prices": [BOLT, DRILL]})
    assert written.status_code == 200, written.text
    assert [r["status"] for r in written.json()["results"]] == ["created", "created"]

    # When the storefront's server asks with the read key, one quantity on each side of each break
    answer = lookup(
        api,
        keys.read,
        [("BOLT-M8", 1), ("BOLT-M8", 99), ("BOLT-M8", 100), ("BOLT-M8", 1500), ("DRILL-BIT-SET", 1)],
        price_list=price_list,
    )

    # Then each line gets its tier's price, and 33.61 comes back as 33.61
    assert priced(answer) == [
        ("BOLT-M8", 1, "0.50", "0.50"),
        ("BOLT-M8", 99, "0.50", "49.50"),
        ("BOLT-M8", 100, "0.45", "45.00"),
        ("BOLT-M8", 1500, "0.40", "600.00"),
        ("DRILL-BIT-SET", 1, "33.61", "33.61"),
    ]
    stored = api.get(f"/v1/price-lists/{price_list}/prices/DRILL-BIT-SET", key=keys.read)
    assert stored.status_code == 200
    assert stored.json()["tiers"] == [{"min_qty": 1, "price": "33.61"}]


def test_a_csv_dropped_in_the_bucket_changes_what_the_lookup_answers(api, keys, price_list, drop_file):
    # Given prices the ERP wrote through the API
    assert api.put(f"/v1/price-lists/{price_list}/prices", key=keys.write, json={"prices": [BOLT]}).status_code == 200

    # When merchant staff drop a long-layout CSV (CRLF, BOM, as Excel saves it) under imports/prices/<slug>/
    body = "\ufeffsku,price,qty\r\nBOLT-M8,0.48,1\r\nBOLT-M8,0.43,100\r\nDRILL-BIT-SET,33.61,1\r\n".encode()
    job = drop_file(f"imports/prices/{price_list}/weekly prices.csv", body)

    # Then the job succeeded and the same lookup answers from the file, 33.61 included
    assert job.status == "succeeded", job.failure
    assert (job.counts.rows_read, job.counts.rows_rejected) == (3, 0)
    answer = lookup(api, keys.read, [("BOLT-M8", 1), ("BOLT-M8", 150), ("DRILL-BIT-SET", 2)], price_list=price_list)
    assert priced(answer) == [
        ("BOLT-M8", 1, "0.48", "0.48"),
        ("BOLT-M8", 150, "0.43", "64.50"),
        ("DRILL-BIT-SET", 2, "33.61", "67.22"),
    ]


def test_a_bad_row_is_reported_and_the_good_rows_are_imported(api, keys, price_list, drop_file, local_stack):
    # Given a file with one unreadable price among good rows
    body = b"sku,price,qty\nGOOD-1,1.25,1\nBAD-1,one pound,1\nGOOD-2,33.61,1\n"

    # When it is dropped in the bucket
    job = drop_file(f"imports/prices/{price_list}/mixed.csv", body)

    # Then the job says so, the report beside it names the row, and the good rows are priced
    assert job.status == "partially_succeeded"
    assert (job.counts.rows_read, job.counts.rows_written, job.counts.rows_rejected) == (3, 2, 1)
    assert job.error_report_key
    report = local_stack.client("s3").get_object(Bucket=job.bucket, Key=job.error_report_key)["Body"].read()
    rows = list(csv.DictReader(io.StringIO(report.decode("utf-8-sig"))))
    assert [(row["line"], row["column"], row["value"]) for row in rows] == [("3", "price", "one pound")]
    answer = lookup(api, keys.read, [("GOOD-1", 1), ("BAD-1", 1), ("GOOD-2", 1)], price_list=price_list)
    assert priced(answer) == [("GOOD-1", 1, "1.25", "1.25"), ("BAD-1", 1, None, None), ("GOOD-2", 1, "33.61", "33.61")]
