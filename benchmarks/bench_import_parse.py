"""Parse + validate throughput and peak memory of long-layout price files (target: ≥ 100,000 rows/s on one
core at 1,000,000 rows; peak RSS flat in file size), next to the floor of what any CSV parser in Python costs.

python -m benchmarks import_parse                       # 10k, 100k, 1M rows
python -m benchmarks.bench_import_parse 10000 250000    # chosen sizes

Each size is generated to a temp file (streaming), then parsed in a fresh interpreter so one size's memory cannot
pollute another's: the child streams the file in 64 KiB chunks, as from S3, through open_table + read_prices and
counts the records, and reports its peak RSS (getrusage) beside its RSS after the imports (the interpreter,
pydantic, the domain models) — the difference is what reading the file cost. In the same interpreter it then times
the floor: a bare `csv.reader` loop over the same file that does nothing but turn each price into a Decimal. The
parser's rate over the floor's says how much of its time is the unavoidable part (target ≥ 0.5×).

Beside it, the records floor: the least any reader that answers with our records does — the same loop, plus an
int per quantity and one `PriceRecord` per run of a SKU's rows, handed to the same counting loop as the parser's —
with nothing checked (no SKU or money pattern, no canonical price, no gathering of a SKU's scattered rows, no
memory bound). What the parser costs beyond it is validation and the window; what the records floor costs beyond
the bare floor is the output itself, which no parser can skip.
"""

import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from benchmarks.metering import peak_rss_mb, reset_peak_rss

TARGET_ROWS_PER_S = 100_000
TARGET_FLOOR_RATIO = 0.5
TARGET_RSS_GROWTH_MB = 2
"""'Flat': what reading the file costs in memory may grow by at most this from the smallest size to the largest."""
SIZES = (10_000, 100_000, 1_000_000)
ROOT = Path(__file__).resolve().parent.parent


def generate(path: Path, rows: int, seed: int = 7) -> dict[str, int]:
    """A price file as an ERP exports it: SKUs grouped, 1–4 quantity breaks each, 2-decimal prices; one row in
    500 carries a `£` (Excel's formatted export), one in 2,000 is broken (a word for a price, a zero quantity)."""
    rng = random.Random(seed)
    written = skus = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("sku,price,qty\r\n")
        buffer: list[str] = []
        while written < rows:
            skus += 1
            sku = f"SKU-{skus:07d}-{rng.choice('ABCDEFGH')}"
            base = Decimal(rng.randrange(50, 500_000)) / 100
            for qty in (1, 10, 50, 100)[: rng.randint(1, 4)]:
                if written == rows:
                    break
                price = f"{base * (1 - Decimal(qty) / 1000):.2f}"
                roll = rng.randrange(2_000)
                if roll < 4:
                    price = "£" + price
                elif roll == 4:
                    price = "n/a"
                buffer.append(f"{sku},{price},{0 if roll == 5 else qty}\r\n")
                written += 1
            if len(buffer) >= 10_000:
                out.write("".join(buffer))
                buffer.clear()
        out.write("".join(buffer))
    return {"rows": written, "skus": skus}


def child(path: str) -> None:
    """Runs in its own interpreter: parse one file, print one JSON line."""
    sys.path[:0] = [str(ROOT / "layers" / "tradeprice"), str(ROOT)]
    from tradeprice.files import FileFormat, PriceRecord, open_table, read_prices

    reset_peak_rss()
    baseline_mb = peak_rss_mb()
    started = time.perf_counter()
    cpu_started = time.process_time()
    with Path(path).open("rb") as file:
        chunks = iter(lambda: file.read(1 << 16), b"")
        reader = read_prices(open_table(chunks, FileFormat.CSV), default_list="trade", currencies={"trade": "GBP"})
        records, tiers, rejections = _count(reader, PriceRecord)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak_mb = peak_rss_mb()
    floor_cpu = _floor(path)
    records_floor_cpu = _records_floor(path, PriceRecord)
    result = {
        "rows": reader.rows_read,
        "records": records,
        "tiers": tiers,
        "rejections": rejections,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "floor_cpu_seconds": floor_cpu,
        "records_floor_cpu_seconds": records_floor_cpu,
        "baseline_mb": baseline_mb,
        "peak_mb": peak_mb,
    }
    print(json.dumps(result))


def _floor(path: str) -> float:
    """CPU seconds of the least any parser must do: split the CSV and turn each price into a Decimal. A bare
    try/except, not `contextlib.suppress`: a context manager per row would double the floor's cost and flatter
    every ratio printed beside it."""
    started = time.process_time()
    with Path(path).open(encoding="utf-8", newline="") as file:
        rows = csv.reader(file)
        next(rows)
        for row in rows:
            try:  # noqa: SIM105 - see the docstring
                Decimal(row[1])
            except InvalidOperation:
                pass
    return time.process_time() - started


def _count(items: Iterable[Any], record_type: type[Any]) -> tuple[int, int, int]:
    """What the bench does with each item the parser yields: records, their tiers, and the rest (rejections)."""
    records = tiers = rejections = 0
    for item in items:
        if type(item) is record_type:
            records += 1
            tiers += len(item.tiers)
        else:
            rejections += 1
    return records, tiers, rejections


def _records_floor(path: str, record_type: type[Any]) -> float:
    """CPU seconds of the least a reader answering with our records does (see the module docstring)."""
    new = tuple.__new__  # the cheapest way to build a named tuple from its fields, as the parser does

    def records() -> Iterator[Any]:
        with Path(path).open(encoding="utf-8", newline="") as file:
            rows = csv.reader(file)
            next(rows)
            sku, line = "", 1
            tiers: list[tuple[int, Decimal]] = []
            lines: list[int] = []
            for row in rows:
                line += 1
                try:
                    tier = (int(row[2]), Decimal(row[1]))
                except (InvalidOperation, ValueError):
                    continue
                if row[0] != sku:
                    if tiers:
                        yield new(record_type, ("trade", sku, tuple(tiers), tuple(lines), None, None, None, None))
                    sku, tiers, lines = row[0], [], []
                tiers.append(tier)
                lines.append(line)
            if tiers:
                yield new(record_type, ("trade", sku, tuple(tiers), tuple(lines), None, None, None, None))

    started = time.process_time()
    _count(records(), record_type)
    return time.process_time() - started


def measure(rows: int, directory: Path) -> dict[str, float]:
    path = directory / f"prices-{rows}.csv"
    shape = generate(path, rows)
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_import_parse", "--child", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    path.unlink()
    if completed.returncode != 0:
        raise RuntimeError(f"parsing {rows:,} rows failed:\n{completed.stderr}")
    result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    result["skus"] = shape["skus"]
    return result


def main(argv: list[str]) -> None:
    sizes = [int(arg.replace("_", "").replace(",", "")) for arg in argv] or list(SIZES)
    print(
        f"long-layout price CSV, parse + validate, one core; targets: ≥ {TARGET_FLOOR_RATIO}× the floor, "
        f"≥ {TARGET_ROWS_PER_S:,} rows/s, parse cost flat from the smallest size to the largest"
    )
    print(
        f"{'rows':>10} {'SKUs':>9} {'records':>9} {'rejected':>8} {'cpu s':>6} {'wall s':>6} {'rows/s':>9} "
        f"{'× target':>8} {'floor/s':>10} {'× floor':>7} {'target':>6} {'peak RSS':>9} {'after imports':>13} "
        f"{'parse cost':>10}"
    )
    costs: list[tuple[int, float]] = []
    results: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as directory:
        for rows in sizes:
            result = measure(rows, Path(directory))
            results.append(result)
            rate = result["rows"] / result["cpu_seconds"]
            floor = result["rows"] / result["floor_cpu_seconds"]
            ratio = rate / floor
            costs.append((int(result["rows"]), result["peak_mb"] - result["baseline_mb"]))
            print(
                f"{int(result['rows']):>10,} {int(result['skus']):>9,} {int(result['records']):>9,} "
                f"{int(result['rejections']):>8,} {result['cpu_seconds']:>6.2f} {result['seconds']:>6.2f} "
                f"{rate:>9,.0f} "
                f"{rate / TARGET_ROWS_PER_S:>7.2f}× {floor:>10,.0f} {ratio:>6.2f}× "
                f"{'met' if ratio >= TARGET_FLOOR_RATIO else 'MISSED':>6} "
                f"{result['peak_mb']:>6.1f} MB {result['baseline_mb']:>10.1f} MB "
                f"{costs[-1][1]:>7.1f} MB",
                flush=True,
            )
    if len(costs) > 1:
        (small, first), (large, last) = costs[0], costs[-1]
        growth = last - first
        verdict = "met" if growth <= TARGET_RSS_GROWTH_MB else "MISSED"
        print(
            f"parse cost {small:,} → {large:,} rows: {first:.1f} → {last:.1f} MB (+{growth:.1f} MB; target: flat, "
            f"≤ +{TARGET_RSS_GROWTH_MB} MB) {verdict}"
        )
    print(
        f"the records floor: the bare floor + an int per quantity + one PriceRecord per run of a SKU's rows, nothing "
        f"checked\n{'rows':>10} {'rec floor/s':>11} {'× floor':>7} {'parser × rec floor':>18}"
    )
    for result in results:
        records_floor = result["rows"] / result["records_floor_cpu_seconds"]
        print(
            f"{int(result['rows']):>10,} {records_floor:>11,.0f} "
            f"{result['floor_cpu_seconds'] / result['records_floor_cpu_seconds']:>6.2f}× "
            f"{result['records_floor_cpu_seconds'] / result['cpu_seconds']:>17.2f}×"
        )
    print("rows/s = rows / CPU seconds of the parsing process (one core); parse cost = peak RSS − RSS after imports")
    print(
        f"floor/s = a bare csv.reader loop converting each price to Decimal, same file, same interpreter; "
        f"× floor = rows/s ÷ floor/s (target ≥ {TARGET_FLOOR_RATIO})"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
    else:
        main(sys.argv[1:])
