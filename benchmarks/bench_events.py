"""The change-stream function's cost per 1,000 changed items: DynamoDB and EventBridge calls, events, CPU.

python -m benchmarks events

Real stream records, read from moto's DynamoDB stream of the template's prices table after real writes, are handed
to the function's logic (`logic.changes.process`) in batches of 1,000 (the template's batch size for prices):
- one import job changing 1,000 prices on one list (grouped: a few events);
- 1,000 API requests changing one price each (the worst case for grouping: one event per request);
- the first batch delivered again (a retry: the same history items rewritten; the job's event budget is spent, so
  only the pointer event goes out).
DynamoDB calls are counted on the shared client, EventBridge calls on the bus client (botocore hooks), write units
as DynamoDB bills them (1 KB units). CPU is the process CPU of the function's own work: the time inside DynamoDB and
EventBridge calls is subtracted (moto answers in-process, so its work would otherwise count as ours). Figures are
printed, never asserted.
"""

import time
from typing import Any

from benchmarks.metering import CallMeter, moto_stack, on_path

CHANGES = 1000


def main(argv: list[str]) -> None:
    on_path()
    # One worker: calls run one at a time, so the CPU inside them can be told apart from the function's.
    with moto_stack(workers=1):
        _run()


def _write_prices(requests: int) -> list[dict[str, Any]]:
    """Write CHANGES prices (as one import job, or as `requests` API requests) and read back their stream records."""
    import boto3
    from botocore.config import Config

    from devstack.stream_source import stream_event
    from tradeprice.config import get_settings
    from tradeprice.data import prices as price_store
    from tradeprice.domain.authors import Author, acting_as
    from tradeprice.domain.models import Price
    from tradeprice.domain.types import utc_now

    def price(sku: str) -> Price:
        tiers = [{"min_qty": 1, "price": "4.10"}, {"min_qty": 100, "price": "3.95"}]
        return Price.model_validate({"price_list": "trade", "sku": sku, "tiers": tiers, "unit_of_measure": "each"})

    table = get_settings().prices_table
    streams = boto3.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))
    arn = boto3.client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    latest = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    skus = [f"SKU-{requests}-{index:05d}" for index in range(CHANGES)]
    per_request = CHANGES // requests
    for start in range(0, CHANGES, per_request):
        who = Author("import", "job-bench", request="job-bench") if requests == 1 else Author("api_key", "k1", "erp")
        with acting_as(who if requests == 1 else Author("api_key", "k1", "erp", request=f"req-{start}")):
            price_store.write_many([("trade", sku, price(sku), utc_now()) for sku in skus[start : start + per_request]])
    records = streams.get_records(ShardIterator=latest, Limit=CHANGES)["Records"]
    return list(stream_event(records, stream_arn=arn, region="eu-west-2")["Records"])


def _measure(label: str, records: list[dict[str, Any]]) -> None:
    from tradeprice.data import bus
    from tradeprice.data.aws import dynamodb
    from tradeprice.logic import changes

    events_sent = 0

    def publish(entries: Any) -> int:
        nonlocal events_sent
        events_sent += len(entries)
        return bus.publish(entries)

    with CallMeter({"DynamoDB": dynamodb(), "EventBridge": bus.events()}).attached() as meter:
        started = time.process_time()
        outcome = changes.process(records, publish=publish)
        cpu = time.process_time() - started - meter.cpu_inside
    scale = CHANGES / max(1, outcome.changes)
    calls = ", ".join(f"{name} {count * scale:g}" for name, count in sorted(meter.calls.items()))
    print(
        f"{label:<48} changes {outcome.changes:>5}  events {events_sent:>5}  calls: {calls}\n"
        f"{'':<48} write units {meter.write_units * scale:,.0f}  CPU {cpu * 1000 * scale:,.0f} ms per {CHANGES:,}"
    )


def _run() -> None:
    from tradeprice.data.reference import put_price_list
    from tradeprice.domain.models import PriceList

    put_price_list(PriceList(slug="trade", name="Trade", currency="GBP"))
    print(f"The change-stream function, per {CHANGES:,} changed prices (one stream batch):")
    imported = _write_prices(requests=1)
    _measure("one import job, one list", imported)
    _measure("the same batch redelivered (job budget spent)", imported)
    _measure("1,000 API requests, one price each", _write_prices(requests=CHANGES))
