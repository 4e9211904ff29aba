"""SeenKeys (tradeprice.files.seen): an exact set of 64-bit fingerprints in bounded memory — checked against a
Python set through the buffer, the runs on disk, their merges and the filter's false positives; the temporary
file's life; the memory it holds. ClosedKeys: the same answers, with no look-up while keys come in order."""

import os
import random
import tempfile
import tracemalloc
from collections.abc import Iterable
from typing import Any

import pytest

from tradeprice.files.seen import ClosedKeys, SeenKeys

LOWEST, HIGHEST = -(1 << 63), (1 << 63) - 1
EDGES = [0, 1, -1, 2, -2, LOWEST, LOWEST + 1, HIGHEST, HIGHEST - 1, 1 << 62, -(1 << 62)]

# (filter bytes, buffer slots, max runs): tiny ones reach the disk, merges and false positives within a few
# thousand keys; the last is the default
SHAPES = [(8, 4, 1), (64, 16, 2), (256, 64, 3), (1024, 256, 4), (1 << 20, 1 << 15, 3)]


def random_keys(rng: random.Random, count: int) -> list[int]:
    return [rng.getrandbits(64) + LOWEST for _ in range(count)]


def add_all(keys: SeenKeys, added: Iterable[int]) -> None:
    for key in added:
        keys.add(key)


def assert_same(keys: SeenKeys, expected: set[int], asked: list[int]) -> None:
    assert len(keys) == len(expected)
    assert bool(keys) == bool(expected)
    assert [key in keys for key in asked] == [key in expected for key in asked]


@pytest.mark.parametrize(("filter_bytes", "buffer_slots", "max_runs"), SHAPES)
def test_it_answers_as_a_set_through_buffer_runs_and_merges(filter_bytes, buffer_slots, max_runs):
    # Given random fingerprints, negatives, 0, -1 and the extremes among them, some added twice
    rng = random.Random(filter_bytes)
    added = EDGES + random_keys(rng, 6000)
    rng.shuffle(added)
    keys, expected = SeenKeys(filter_bytes, buffer_slots, max_runs), set()
    runs_seen = set()
    # When they are added one by one, asking as we go
    with keys:
        for n, key in enumerate(added):
            keys.add(key)
            expected.add(key)
            if n % 5 == 0:
                again = added[rng.randrange(n + 1)]
                keys.add(again)
            if n % 500 == 0:
                runs_seen.add(keys.runs)
                assert_same(keys, expected, added[: n + 1 : 7] + random_keys(rng, 50))
        # Then every one is in, and nothing else is: random keys, and each key's neighbours
        others = random_keys(rng, 5000) + [key + 1 for key in added] + [key - 1 for key in added]
        assert_same(keys, expected, added + others)
    if buffer_slots < 1 << 15:  # the small shapes went through several runs and merged them
        assert max(runs_seen) >= min(max_runs, 2)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 10, 11, 12])
def test_each_flush_keeps_every_key_around_the_buffer_limit(count):
    # Given a buffer of 16 slots (it becomes a run at 10 keys), keys at the table's two ends
    keys = SeenKeys(filter_bytes=8, buffer_slots=16, max_runs=1)
    added = [HIGHEST - n for n in range(count)] + [LOWEST + n for n in range(count)] + [n - count for n in range(count)]
    # When they are added, in an order that pushes the top ones round the table's end
    for key in added:
        keys.add(key)
    # Then each is found, and no neighbour is
    assert all(key in keys for key in added)
    assert not any(key in keys for key in (HIGHEST - count, LOWEST + count, count + 1, -count - 1))
    assert len(keys) == len(set(added))


def test_keys_crowded_in_one_part_of_the_range_are_found_exactly():
    # Given keys that are no hashes: consecutive, and packed near one value (one bucket of every run, far from
    # where a uniform key would sit)
    added = list(range(1, 5000)) + [(1 << 40) + 3 * n for n in range(3000)] + [-5000 - 2 * n for n in range(3000)]
    keys = SeenKeys(filter_bytes=8, buffer_slots=64, max_runs=2)
    for key in added:
        keys.add(key)
    expected = set(added)
    # Then each is found, and the gaps between them are not
    asked = added + [(1 << 40) + 3 * n + 1 for n in range(3000)] + [-5001 - 2 * n for n in range(3000)]
    assert_same(keys, expected, asked)


def test_a_key_the_filter_cannot_rule_out_is_looked_up_in_the_file(monkeypatch):
    # Given a filter of one word, full after a few dozen keys, and most keys on disk
    rng = random.Random(7)
    added = random_keys(rng, 3000)
    keys = SeenKeys(filter_bytes=8, buffer_slots=64, max_runs=2)
    for key in added:
        keys.add(key)
    reads = []
    pread = os.pread

    def counting(fd: int, size: int, offset: int) -> bytes:
        reads.append(size)
        return pread(fd, size, offset)

    monkeypatch.setattr(os, "pread", counting)
    # When absent keys are asked for
    absent = [key for key in random_keys(rng, 2000) if key not in set(added)]
    # Then the filter says maybe for them (it is full), the file says no
    assert not any(key in keys for key in absent)
    assert len(reads) >= len(absent)
    assert all(key in keys for key in added)


def test_the_default_filter_rules_out_an_absent_key_without_reading(monkeypatch):
    # Given the default shape with 100,000 keys, most of them on disk
    rng = random.Random(11)
    keys = SeenKeys()
    for key in random_keys(rng, 100_000):
        keys.add(key)
    assert keys.disk_bytes > 8 * 70_000
    reads = []
    pread = os.pread
    monkeypatch.setattr(os, "pread", lambda fd, size, offset: reads.append(size) or pread(fd, size, offset))
    # When 10,000 absent keys are asked for
    found = sum(key in keys for key in random_keys(rng, 10_000))
    # Then none is found, and the file was read for only the filter's false positives (~0.1% at this fill)
    assert found == 0
    assert len(reads) < 10_000 * keys.runs * 0.01


def test_values_outside_64_bits_are_absent_and_cannot_be_added():
    keys = SeenKeys(filter_bytes=8, buffer_slots=16)
    for key in EDGES:
        keys.add(key)
    for outside in (HIGHEST + 1, LOWEST - 1, 1 << 64, -(1 << 70)):
        assert outside not in keys
        with pytest.raises((OverflowError, IndexError)):
            keys.add(outside)
    assert len(keys) == len(EDGES)
    assert all(key in keys for key in EDGES)


def test_an_empty_set_is_false_and_a_set_of_zero_is_true():
    keys = SeenKeys()
    assert not keys
    assert len(keys) == 0
    assert 0 not in keys
    keys.add(0)
    assert keys
    assert 0 in keys
    assert 1 not in keys


@pytest.fixture
def opened_files(monkeypatch) -> list[Any]:
    """Every temporary file SeenKeys opens."""
    files: list[Any] = []
    make = tempfile.TemporaryFile

    def spy(*args: Any, **kwargs: Any) -> Any:
        files.append(make(*args, **kwargs))
        return files[-1]

    monkeypatch.setattr(tempfile, "TemporaryFile", spy)
    return files


def test_close_deletes_the_temporary_file(opened_files):
    # Given a set whose keys went to disk
    keys = SeenKeys(filter_bytes=8, buffer_slots=16)
    for key in range(1, 1000):
        keys.add(key)
    assert len(opened_files) == 1
    assert keys.disk_bytes > 0
    descriptor = opened_files[0].fileno()
    # When it is closed
    keys.close()
    # Then the file is closed (it was never named, or unlinked at once: closing it frees its space), and
    # what needs the file says so instead of answering
    assert opened_files[0].closed
    with pytest.raises(OSError):  # noqa: PT011 - EBADF: the descriptor is gone
        os.fstat(descriptor)
    with pytest.raises(ValueError, match="closed"):
        _ = 500 in keys
    with pytest.raises(ValueError, match="closed"):
        add_all(keys, range(1000, 1100))
    keys.close()  # twice is fine


def test_the_context_manager_closes_even_when_the_body_fails(opened_files):
    def fail_midway() -> None:
        with SeenKeys(filter_bytes=8, buffer_slots=16) as keys:
            add_all(keys, range(1, 100))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_midway()
    assert opened_files
    assert all(file.closed for file in opened_files)


def test_a_set_that_stays_in_memory_opens_no_file(opened_files):
    added = random_keys(random.Random(3), 20_000)
    with SeenKeys() as keys:
        for key in added:
            keys.add(key)
        assert all(key in keys for key in added)
        assert keys.disk_bytes == 0
    assert opened_files == []


def test_the_file_holds_each_key_once_whatever_the_merges():
    keys = SeenKeys(filter_bytes=64, buffer_slots=64, max_runs=2)
    rng = random.Random(5)
    added = random_keys(rng, 20_000)
    for key in added:
        keys.add(key)
        keys.add(key)
    buffered = len(added) - keys.disk_bytes // 8
    assert 0 <= buffered < 64
    assert len(keys) == len(added)


def test_memory_stays_bounded_as_keys_grow():
    # Given a small filter and buffer (16 KiB, 8 KiB: a run every 682 keys, merged as they come)
    def peak_after(count: int) -> int:
        rng = random.Random(count)
        tracemalloc.start()
        try:
            with SeenKeys(filter_bytes=1 << 14, buffer_slots=1 << 10) as keys:
                for _ in range(count):
                    keys.add(rng.getrandbits(64) + LOWEST)
                assert keys.disk_bytes > 8 * (count - 682)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    # When 10,000 and then 50,000 keys are added (400 KB of fingerprints on disk, 0.6–1.2 MB in a hash table)
    small, large = peak_after(10_000), peak_after(50_000)
    # Then the peak is the filter, the buffer and what a merge holds for a moment (a step: up to 512 keys of
    # each run as Python ints, ~56 B each with their list and arrays), whatever the count
    assert large < (1 << 14) + 8 * (1 << 10) + 160_000
    assert large - small < 8_000


def test_update_holds_a_batch_and_names_what_was_held_already_as_add_would():
    rng = random.Random(11)
    batch = [rng.getrandbits(64) - (1 << 63) for _ in range(3000)] + [0, -1]
    by_add = SeenKeys(filter_bytes=64, buffer_slots=256, max_runs=2)
    by_update = SeenKeys(filter_bytes=64, buffer_slots=256, max_runs=2)
    first, second = batch[:2000], batch[1500:] + batch[:10]
    for part in (first, second):
        expected = [key for key in part if not by_add.add(key)]
        assert by_update.update(part) == expected
    assert expected == batch[1500:2000] + batch[:10]
    assert len(by_update) == len(by_add) == len(set(batch))
    assert all(key in by_update for key in batch)
    by_add.close()
    by_update.close()


# ClosedKeys: keys in order need no look-up -------------------------------------------------------------------------


def test_keys_closed_in_order_are_only_spilled_and_the_seen_set_stays_empty(opened_files):
    seen = SeenKeys()
    closed = ClosedKeys(seen)
    for start in range(0, 3000, 500):
        assert closed.update([f"SKU-{n:05d}" for n in range(start, start + 500)]) == []
    assert closed.update([]) == []
    assert closed.in_order
    assert len(seen) == 0
    assert [file.tell() for file in opened_files] == [8 * 3000]  # one fingerprint of 8 B a key, on disk
    closed.close()
    assert opened_files[0].closed


@pytest.mark.parametrize(
    ("batches", "again"),
    [
        ([["a", "b"], ["c", "d"], ["b", "e"]], ["b"]),  # a key closed again, after keys in order
        ([["a", "b"], ["b"]], ["b"]),  # the last key again: not after it, so out of order
        ([["b", "a"], ["a"]], ["a"]),  # out of order within the first batch
        ([[("trade", "A"), ("trade", "B")], [("b2b", "A"), ("trade", "A")]], [("trade", "A")]),  # (list, SKU)
        ([["a", "c"], ["b", "d"], ["e"]], []),  # out of order, no repeat
    ],
)
def test_a_key_closed_again_is_named_as_seen_keys_would_once_the_order_breaks(batches, again):
    seen = SeenKeys(filter_bytes=64, buffer_slots=16)
    closed = ClosedKeys(seen)
    answers = [closed.update(batch) for batch in batches]
    assert [key for answer in answers for key in answer] == [hash(key) for key in again]
    assert not closed.in_order
    assert len(seen) == len({key for batch in batches for key in batch})  # every key closed so far is held


def test_keys_that_do_not_compare_are_checked_as_keys_out_of_order():
    seen = SeenKeys()
    closed = ClosedKeys(seen)
    assert closed.update(["a"]) == []
    assert closed.update([("trade", "a")]) == []  # str and tuple do not compare: no order to rely on
    assert not closed.in_order
    assert closed.update(["a"]) == [hash("a")]
