"""Phase 3, remove: `replace` only, and only when no row of the file was rejected (see the package's docstring)."""

from tradeprice.data import prices as price_store
from tradeprice.errors import InvalidFile, NotFound
from tradeprice.files import PriceRecord
from tradeprice.files.seen import SeenKeys
from tradeprice.logic import catalog
from tradeprice.logic.catalog import PriceWrite
from tradeprice.logic.import_run.job import Run
from tradeprice.logic.import_run.source import Entry


def remove(run: Run) -> bool:
    """replace: remove the list's SKUs the file does not name. False when the budget ran out first."""
    slug = run.job.price_list
    assert slug is not None
    if run.file_skus is None:  # this invocation starts in the remove phase: learn the file's SKUs again
        skus = SeenKeys()
        with run.open() as source:
            for item in source:
                if isinstance(item, Entry):
                    assert isinstance(item.record, PriceRecord)
                    skus.add(hash(item.record.sku))
        run.file_skus = skus
    if run.state.removing:  # a chunk an invocation that died may have deleted: deleting again is harmless
        in_flight = list(run.state.removing)
        _delete(slug, in_flight)
        run.count(removed=len(in_flight))
        run.save(removing=[])
    chunk: list[str] = []
    size = run.settings.import_chunk_records
    for sku in price_store.skus_of(slug):
        if hash(sku) in run.file_skus:
            continue
        chunk.append(sku)
        if len(chunk) >= size:
            _remove_chunk(run, slug, chunk)
            chunk = []
            if run.budget.exhausted():
                return False
    if chunk:
        _remove_chunk(run, slug, chunk)
    return True


def _remove_chunk(run: Run, slug: str, skus: list[str]) -> None:
    run.save(removing=skus)
    _delete(slug, skus)
    run.count(removed=len(skus))
    run.save(removing=[])


def _delete(slug: str, skus: list[str]) -> None:
    try:
        catalog.put_prices(slug, [PriceWrite(index, sku, None) for index, sku in enumerate(skus)])
    except NotFound:
        raise InvalidFile(f"price list '{slug}' was deleted during the import") from None
