"""The merchant CLI against the local stack: `tradeprice import FILE …` asks the API for an upload URL, uploads to
the bucket (moto's server), the bucket's notification reaches the import function through the queue, and the CLI
follows the job over HTTP to its summary and exit status."""

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tradeprice.cli import main

pytestmark = pytest.mark.e2e

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(local_stack, keys, capsys):
    """cli(file, "--price-list", …) runs `tradeprice import` in-process → (exit status, stdout, stderr)."""

    def run(path: Path, *args: str, key: str | None = None) -> tuple[int, str, str]:
        status = main(
            ["import", str(path), "--api", local_stack.api_url, "--key", key or keys.write, "--poll", "0.2", *args]
        )
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def ladder(api, keys, price_list: str, sku: str):
    response = api.get(f"/v1/price-lists/{price_list}/prices/{sku}", key=keys.read)
    return None if response.status_code == 404 else [(t["min_qty"], t["price"]) for t in response.json()["tiers"]]


def test_a_clean_file_imports_and_exits_zero(cli, api, keys, price_list, tmp_path):
    path = write(tmp_path, "weekly prices.csv", "SKU,Unit Price,Min Qty\r\nBOLT-M8,0.48,1\r\nBOLT-M8,0.43,100\r\n")

    status, out, err = cli(path, "--price-list", price_list)

    assert status == 0, out + err
    assert ": succeeded in " in out
    assert "rows read 2 · written 2 · unchanged 0 · rejected 0 · removed 0" in out
    assert "Uploading weekly prices.csv (" in err
    assert "[##############################] 100% done" in err  # stderr is no terminal here: one line per step
    assert ladder(api, keys, price_list, "BOLT-M8") == [(1, "0.48"), (100, "0.43")]


def test_rejected_rows_exit_one_and_the_summary_says_where_the_report_is(cli, api, keys, price_list, tmp_path):
    path = write(tmp_path, "mixed.csv", "sku,price\nGOOD-1,1.25\nBAD-1,one pound\n")

    status, out, _ = cli(path, "--price-list", price_list)

    assert status == 1
    assert "partially_succeeded" in out
    assert "1 of 2 rows was rejected; the error report lists them" in out
    (report_line,) = [line for line in out.splitlines() if line.strip().startswith("error report: s3://")]
    assert report_line.strip().endswith(".errors.csv")
    (url,) = [line.split("download: ", 1)[1] for line in out.splitlines() if "download: " in line]
    report = requests.get(url, timeout=10)
    assert report.status_code == 200
    assert "one pound" in report.content.decode("utf-8-sig")
    assert ladder(api, keys, price_list, "GOOD-1") == [(1, "1.25")]


def test_a_dry_run_changes_nothing_and_links_its_plan(cli, api, keys, price_list, tmp_path):
    path = write(tmp_path, "p.csv", "sku,price\nNEW-1,2.00\n")

    status, out, _ = cli(path, "--price-list", price_list, "--mode", "dry-run")

    assert status == 0, out
    assert "(prices, dry_run): succeeded" in out
    assert "would be written 1" in out
    assert "dry-run plan: s3://" in out
    assert ladder(api, keys, price_list, "NEW-1") is None


def test_a_guardrail_stop_exits_one_and_force_imports(cli, api, keys, price_list, tmp_path):
    assert cli(write(tmp_path, "a.csv", "sku,price\nDRILL-18V,33.61\n"), "--price-list", price_list)[0] == 0
    slip = write(tmp_path, "b.csv", "sku,price\nDRILL-18V,3361\n")

    stopped, out, _ = cli(slip, "--price-list", price_list)
    assert stopped == 1
    assert "stopped before writing anything" in out
    assert ladder(api, keys, price_list, "DRILL-18V") == [(1, "33.61")]

    forced, out, _ = cli(slip, "--price-list", price_list, "--force")
    assert forced == 0, out
    assert ladder(api, keys, price_list, "DRILL-18V") == [(1, "3361")]


def test_a_replace_syncs_the_list(cli, api, keys, price_list, tmp_path):
    cli(write(tmp_path, "a.csv", "sku,price\nA,1\nB,2\nC,3\n"), "--price-list", price_list)

    status, out, _ = cli(
        write(tmp_path, "b.csv", "sku,price\nA,1\nB,2.5\n"), "--price-list", price_list, "--mode", "replace"
    )

    assert status == 0, out
    assert "written 1 · unchanged 1 · rejected 0 · removed 1" in out
    assert ladder(api, keys, price_list, "C") is None


def test_an_xlsx_sheet_is_chosen_by_name(cli, api, keys, price_list):
    status, out, _ = cli(CORPUS / "prices.xlsx", "--price-list", price_list, "--sheet", "Prices")
    assert status == 1, out  # the sheet has two bad rows
    assert "rows read 8 · written 6" in out
    assert ladder(api, keys, price_list, "BOLT-M8") == [(1, "0.48"), (100, "0.44")]


def test_a_key_without_write_scope_cannot_start_an_import(cli, keys, price_list, tmp_path):
    status, out, err = cli(write(tmp_path, "p.csv", "sku,price\nA,1\n"), "--price-list", price_list, key=keys.read)
    assert status == 2
    assert "POST /v1/imports: 403" in err
    assert out == ""


def test_the_installed_command_reads_the_api_and_key_from_the_environment(local_stack, keys, api, price_list, tmp_path):
    path = write(tmp_path, "p.csv", "sku,price\nENV-1,4.20\n")
    environment = {"TRADEPRICE_API_URL": local_stack.api_url, "TRADEPRICE_API_KEY": keys.write, "PATH": "/usr/bin:/bin"}

    done = subprocess.run(
        [sys.executable, "-m", "tradeprice.cli", "import", str(path), "--price-list", price_list],
        cwd=ROOT,
        env={**environment, "PYTHONPATH": f"{ROOT / 'layers' / 'tradeprice'}:{ROOT}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "succeeded" in done.stdout
    assert ladder(api, keys, price_list, "ENV-1") == [(1, "4.2")]


def test_missing_api_settings_are_a_usage_error(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TRADEPRICE_API_URL", raising=False)
    monkeypatch.delenv("TRADEPRICE_API_KEY", raising=False)
    assert main(["import", str(write(tmp_path, "p.csv", "sku,price\n"))]) == 2
    assert "give --api and --key" in capsys.readouterr().err
