"""An exact set of 64-bit key fingerprints whose memory does not grow with the number of keys.

The long-layout price reader remembers the fingerprint (`hash(key)`) of every SKU it has emitted, so that a later
row of one is refused rather than an incomplete ladder written. A hash table of them costs 12–24 B per key (peak
RSS +18 MiB at a million keys, +142 MiB at ten million); this set holds about 1.5 MB whatever the count and keeps
the rest in a temporary file, the way an LSM tree does:

* a filter, 1 MiB: a blocked Bloom filter of 131,072 64-bit words. A key sets three bits of one word, the word
  picked by its top 17 bits and the bits by its low 18, so a test is one array read and no second hash. An absent
  key passes it (a "maybe") at a rate of 0.46% at 400,000 keys, 3.3% at a million, 44% at four million, most at
  ten: by then it has two bits per key, and no filter can do much better in that room (m bits for n keys allow
  no fewer than 2**(-m/n) false positives: 23% at four million);
* a buffer: an open-addressing table of 32,768 8-byte slots (256 KiB), at most two-thirds full (21,845 keys),
  the slot taken from the key's top bits. When it is full it goes to the file as a sorted run;
* the runs, back to back in one anonymous temporary file, 8 B per key, each with a directory in memory of 4 B
  per 512–1024 keys (52 KB at ten million). A maybe is settled by the buffer, then by each run: the 1 KiB of it
  around where the key would sit is read and bisected. Read with pread, not mmap: mapped pages would count in
  this process's resident memory, which is the point of it all;
* merges: when a fourth run is written the newest ones are merged, a block of 512 keys of each in memory, so at
  most three runs are read per maybe and a key is rewritten about twice by 400,000 keys, three times by a
  million, seven by four million. A merge is written after the runs it merges, then moved down over them: the
  file briefly holds them twice.

Exact: a maybe is always settled by the buffer or the file, and the key 0 (which marks an empty slot) by a flag,
so a false positive of the filter costs time, never an answer; adding a key already held changes nothing.

Time (CPython 3.11, CPU time, hashes of SKU strings, beside the table this replaces, `prices.Fingerprints`):
a key the filter rules out costs one word read and up to three bit tests; at 400,000 keys an absent `in` is
≈ 400 ns (Fingerprints ≈ 570) and `add` ≈ 1.4 µs (≈ 1.2), which includes sorting the buffer into runs
(≈ 150 ns a key) and merging them (≈ 100 ns a key rewritten); at a million, ≈ 800 ns (≈ 600) and ≈ 1.6 µs
(≈ 1.3). A maybe costs a read of each run, ≈ 2.5 µs on the machine measured (a 1 µs system call, the rest
Python), so where the filter fills the reads dominate: at four million keys an absent `in` is ≈ 2.8 µs
(Fingerprints ≈ 0.5) and `add` ≈ 3.5 µs (≈ 1.25), as it settles a maybe before inserting to keep the count
exact.

Memory: the filter, the buffer, the directories, and for a moment a piece of the buffer being sorted or a merge
step as Python ints (≤ 150 KB): a traced peak of 1.47 MB at 300,000 keys; peak RSS +1.0 MiB at 10,000 keys, at
a million and at ten million.

The speeds assume keys spread as hashes do (Python's str and tuple hashes are); keys packed together, such as
consecutive integers, are held exactly but crowd the buffer's table and the runs' buckets.
"""

import os
import tempfile
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from itertools import islice
from operator import lt
from types import TracebackType
from typing import IO, Any

DEFAULT_FILTER_BYTES = 1 << 20
DEFAULT_BUFFER_SLOTS = 1 << 15
DEFAULT_MAX_RUNS = 3

_U64 = 0xFFFF_FFFF_FFFF_FFFF
_LOWEST, _HIGHEST = -(1 << 63), (1 << 63) - 1
_BUCKET_KEYS = 1024  # a run's directory has an entry per 512–1024 keys: 4 B per 4–8 KiB of file
_WINDOW = 128  # keys read around where a key should sit in its bucket: 1 KiB
_PIECE = 2048  # slots of the buffer sorted at a time when it becomes a run
_BLOCK = 512  # keys of each run in memory while merging
_COPY = 2048  # keys moved at a time after a merge

Run = tuple[int, int, int, int, "array[int]"]
"""(position in the file of its first key, keys, shift, half, directory): a sorted run. Its keys of bucket b,
b being (key >> shift) + half, are [directory[b], directory[b + 1]) from its first (see `_geometry`)."""


class SeenKeys:
    """The set: see the module docstring. Takes Python's 64-bit hashes (any int in [-2**63, 2**63)).

    `filter_bytes` (8 B to 1 MiB) and `buffer_slots` (at least 4) are powers of two, `max_runs` the runs kept
    before the newest are merged; tests make them tiny to reach the disk and the filter's false positives."""

    __slots__ = (
        "_buffer_limit",
        "_buffered",
        "_closed",
        "_count",
        "_end",
        "_fd",
        "_file",
        "_filter",
        "_max_runs",
        "_runs",
        "_slot_half",
        "_slot_mask",
        "_slot_shift",
        "_slots",
        "_word_shift",
        "_zero",
    )

    def __init__(
        self,
        filter_bytes: int = DEFAULT_FILTER_BYTES,
        buffer_slots: int = DEFAULT_BUFFER_SLOTS,
        max_runs: int = DEFAULT_MAX_RUNS,
    ) -> None:
        if not (8 <= filter_bytes <= DEFAULT_FILTER_BYTES and filter_bytes & (filter_bytes - 1) == 0):
            raise ValueError("filter_bytes must be a power of two from 8 to 1 MiB")
        if not (buffer_slots >= 4 and buffer_slots & (buffer_slots - 1) == 0):
            raise ValueError("buffer_slots must be a power of two, at least 4")
        if max_runs < 1:
            raise ValueError("max_runs must be at least 1")
        self._filter = array("Q", [0]) * (filter_bytes // 8)  # no bytes object of that size on the way
        self._word_shift = 64 - (filter_bytes // 8).bit_length() + 1  # the word by the top bits
        self._slots = array("q", [0]) * buffer_slots  # 0 marks an empty slot; the key 0 is `_zero`
        self._slot_mask = buffer_slots - 1
        # the slot by the top bits, signed: in slot order the table is nearly sorted (see `_flush`)
        self._slot_shift = 64 - buffer_slots.bit_length() + 1
        self._slot_half = buffer_slots // 2
        self._buffer_limit = buffer_slots * 2 // 3
        self._buffered = 0
        self._count = 0
        self._zero = False
        self._runs: list[Run] = []
        self._max_runs = max_runs
        self._file: IO[bytes] | None = None
        self._fd = -1
        self._closed = False
        self._end = 0  # keys in the file

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __contains__(self, fingerprint: int) -> bool:
        # the filter: three bits of one 64-bit word, picked by the low 18 bits; a clear one settles it
        u = fingerprint & _U64
        word = self._filter[u >> self._word_shift]
        if not word >> (u & 63) & 1 or not word >> ((u >> 6) & 63) & 1 or not word >> ((u >> 12) & 63) & 1:
            return False
        return self._holds(fingerprint)

    def add(self, fingerprint: int) -> bool:
        """Hold it; False when it was held already (the set is unchanged)."""
        return not self.update((fingerprint,))

    def update(self, fingerprints: Iterable[int]) -> list[int]:
        """Hold each of these; the ones held already, in order. `add` over a batch with no call per key: the
        price reader adds every SKU it emits, hundreds of thousands a file."""
        held: list[int] = []
        words = self._filter
        word_shift = self._word_shift
        slots = self._slots  # cleared in place by a flush, never replaced
        slot_mask, slot_shift, slot_half = self._slot_mask, self._slot_shift, self._slot_half
        for fingerprint in fingerprints:
            u = fingerprint & _U64
            at = u >> word_shift
            word = words[at]
            bits = (1 << (u & 63)) | (1 << ((u >> 6) & 63)) | (1 << ((u >> 12) & 63))
            if word & bits == bits and self._holds(fingerprint):
                held.append(fingerprint)
                continue
            if fingerprint:
                index = (fingerprint >> slot_shift) + slot_half
                while slots[index]:
                    index = (index + 1) & slot_mask
                slots[index] = fingerprint
                self._buffered += 1
            else:
                self._zero = True
            words[at] = word | bits
            self._count += 1
            if self._buffered >= self._buffer_limit:
                self._flush()
        return held

    def close(self) -> None:
        """Delete the temporary file. Afterwards what needs the file (a lookup the filter cannot settle once
        keys went there, a full buffer) raises ValueError."""
        self._closed = True
        if self._file is not None:
            self._file.close()
            self._file = None
            self._fd = -1

    def __enter__(self) -> "SeenKeys":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    @property
    def disk_bytes(self) -> int:
        """Size of the temporary file: 8 bytes per key that left the buffer."""
        return 8 * self._end

    @property
    def runs(self) -> int:
        """Sorted runs in the file: a lookup the filter cannot settle reads a window of each."""
        return len(self._runs)

    # -- the exact answer, when the filter says maybe

    def _holds(self, fingerprint: int) -> bool:
        if not fingerprint:
            return self._zero
        if not _LOWEST <= fingerprint <= _HIGHEST:
            return False
        slots = self._slots
        slot_mask = self._slot_mask
        index = (fingerprint >> self._slot_shift) + self._slot_half
        while found := slots[index]:
            if found == fingerprint:
                return True
            index = (index + 1) & slot_mask
        if not self._runs:
            return False
        if self._closed:
            raise ValueError("SeenKeys is closed")
        fd = self._fd
        for start, _, shift, half, directory in self._runs:  # one loop, no call per run: this is the slow path
            bucket = (fingerprint >> shift) + half
            low = directory[bucket]
            high = directory[bucket + 1]
            if high - low <= _WINDOW:
                if low == high:
                    continue
                keys = memoryview(os.pread(fd, 8 * (high - low), 8 * (start + low))).cast("q")
            else:
                # hashes spread evenly over the bucket's range: read 128 keys around where this one would sit,
                # and the whole bucket when, rarely, it lies outside them
                first = low + ((fingerprint - ((bucket - half) << shift)) * (high - low) >> shift) - _WINDOW // 2
                if first < low:
                    first = low
                elif first > high - _WINDOW:
                    first = high - _WINDOW
                keys = memoryview(os.pread(fd, 8 * _WINDOW, 8 * (start + first))).cast("q")
                if (first > low and keys[0] > fingerprint) or (first + _WINDOW < high and keys[-1] < fingerprint):
                    keys = memoryview(os.pread(fd, 8 * (high - low), 8 * (start + low))).cast("q")
            at = bisect_left(keys, fingerprint)
            if at < len(keys) and keys[at] == fingerprint:
                return True
        return False

    # -- the file: the runs back to back, oldest first

    def _flush(self) -> None:
        self._runs.append(self._buffer_as_run())
        if len(self._runs) > self._max_runs:
            # the newest two, and older ones while they are at most twice what is being merged: run sizes stay
            # geometric, so a key is rewritten a few times (the log of the count), never once per flush
            older = len(self._runs) - 2
            size = self._runs[-1][1] + self._runs[-2][1]
            while older > 0 and self._runs[older - 1][1] <= 2 * size:
                older -= 1
                size += self._runs[older][1]
            self._runs[older:] = [self._merge(self._runs[older:])]

    def _buffer_as_run(self) -> Run:
        """The buffer as a new run, a piece at a time: the slot is the key's top bits (signed), so the table in
        slot order is sorted but for keys pushed along by a collision. A piece ends at an empty slot, which no
        key is pushed past, so each piece holds exactly the keys whose slot is in it and sorting the pieces
        one by one sorts the whole, holding no more than a piece of the buffer as Python ints."""
        if self._closed:
            raise ValueError("SeenKeys is closed")
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="tradeprice-seen-")  # noqa: SIM115 - closed by close()
            self._fd = self._file.fileno()
        slots = self._slots
        size = len(slots)
        shift, half = self._slot_shift, self._slot_half
        count = self._buffered
        first = self._end
        run_shift, run_half, buckets = _geometry(count)
        directory = array("I", [0])
        boundary = (1 - run_half) << run_shift  # the lowest key of the next bucket
        written = 0
        # the keys at the top of the table pushed round to its start: they go with the last piece
        head = slots.index(0)
        wrapped = [key for key in slots[:head] if (key >> shift) + half >= head]
        start = 0
        while start < size:
            end = min(start + _PIECE, size)
            while end < size and slots[end]:
                end += 1
            piece = [key for key in slots[max(start, head) : end] if key]
            if not start:  # it ends at `head` or after
                piece += [key for key in slots[:head] if (key >> shift) + half < head]
            if end == size:
                piece += wrapped
            piece.sort()
            slots[start:end] = array("q", [0]) * (end - start)
            _write(self._fd, _packed(piece), first + written)
            while piece and len(directory) < buckets and boundary <= piece[-1]:
                directory.append(written + bisect_left(piece, boundary))
                boundary += 1 << run_shift
            written += len(piece)
            start = end
        assert written == count
        directory.extend([count] * (buckets + 1 - len(directory)))
        self._buffered = 0
        self._end += count
        return first, count, run_shift, run_half, directory

    def _merge(self, runs: list[Run]) -> Run:
        """The newest runs as one, written after them and then moved down over them.

        A block of each run is in memory at a time. Each step takes from every block the keys up to the
        smallest last key among the runs that have more to read (nothing read later can come before those),
        and sorts them: the pieces are sorted runs, which the sort merges in C."""
        fd = self._fd
        count = sum(run[1] for run in runs)
        out = self._end
        shift, half, buckets = _geometry(count)
        directory = array("I", [0])
        boundary = (1 - half) << shift  # the lowest key of the next bucket
        blocks = [array("q") for _ in runs]
        taken = [0] * len(runs)  # of the block
        read = [0] * len(runs)  # of the run
        written = 0
        while True:
            limit: int | None = None
            for r, (start, keys, _, _, _) in enumerate(runs):
                if taken[r] == len(blocks[r]) and read[r] < keys:
                    size = min(_BLOCK, keys - read[r])
                    blocks[r] = array("q", os.pread(fd, 8 * size, 8 * (start + read[r])))
                    taken[r] = 0
                    read[r] += size
                if read[r] < keys and (limit is None or blocks[r][-1] < limit):
                    limit = blocks[r][-1]
            step: list[int] = []
            for r, block in enumerate(blocks):
                end = len(block) if limit is None else bisect_right(block, limit, taken[r])
                step += block[taken[r] : end]  # Python ints for this step only
                taken[r] = end
            step.sort()
            _write(fd, _packed(step), out + written)
            while step and len(directory) < buckets and boundary <= step[-1]:
                directory.append(written + bisect_left(step, boundary))
                boundary += 1 << shift
            written += len(step)
            if limit is None:
                break
        directory.extend([count] * (buckets + 1 - len(directory)))
        first = runs[0][0]
        for offset in range(0, count, _COPY):  # down over the merged runs; it lies after them: no overlap
            size = min(_COPY, count - offset)
            _write(fd, os.pread(fd, 8 * size, 8 * (out + offset)), first + offset)
        os.ftruncate(fd, 8 * (first + count))
        self._end = first + count
        return first, count, shift, half, directory


class ClosedKeys:
    """The keys of the ladders a reader has closed, to find a key closed twice: a SKU whose rows lie further apart
    than the window. While keys close in strictly increasing order, as they do from a file sorted by SKU (how ERP
    exports come), none can be closed twice, so nothing is looked up: their fingerprints are only appended to a
    temporary file, 8 B each. The first batch out of order loads them into the `SeenKeys` given, and every batch
    from then on is checked there. The answers are `SeenKeys.update`'s either way; a sorted file is spared its
    ≈ 1.5 µs per key, a fifth of the reader's time.

    Keys are the reader's: SKUs, or (list, SKU) pairs, one kind per file."""

    __slots__ = ("_in_order", "_last", "_seen", "_spill")

    def __init__(self, seen: SeenKeys) -> None:
        self._seen = seen
        self._in_order = True
        self._last: Any = None
        self._spill: IO[bytes] | None = None

    @property
    def in_order(self) -> bool:
        """True while every key so far closed after the one before it (the seen keys are still empty)."""
        return self._in_order

    def update(self, keys: Sequence[Any]) -> list[int]:
        """Close these keys, in the order given; the fingerprints of those closed before."""
        if self._in_order:
            if _increasing(self._last, keys):
                if keys:
                    if self._spill is None:
                        self._spill = tempfile.TemporaryFile(prefix="tradeprice-closed-")  # noqa: SIM115 - closed by close()
                    self._spill.write(array("q", map(hash, keys)))
                    self._last = keys[-1]
                return []
            self._in_order = False
            self._load()
        return self._seen.update(map(hash, keys))

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = None

    def _load(self) -> None:
        """The fingerprints spilled so far into the seen keys, a piece at a time (memory stays flat)."""
        if self._spill is None:
            return
        self._spill.seek(0)
        while piece := self._spill.read(1 << 16):
            fingerprints = array("q")
            fingerprints.frombytes(piece)
            self._seen.update(fingerprints)
        self.close()


def _increasing(last: Any, keys: Sequence[Any]) -> bool:
    """Whether `keys` are strictly increasing and after `last` (None: nothing before), compared in C."""
    try:
        return (last is None or not keys or last < keys[0]) and all(map(lt, keys, islice(keys, 1, None)))
    except TypeError:  # keys of mixed kinds do not compare: no order to rely on
        return False


def _packed(keys: list[int]) -> bytes:
    packed = array("q")
    packed.fromlist(keys)  # two to three times faster than array("q", keys)
    return packed.tobytes()


def _write(fd: int, data: bytes, position: int) -> None:
    """`data` at key `position`, all of it (a write may be short)."""
    offset = 8 * position
    view = memoryview(data)
    while view:
        done = os.pwrite(fd, view, offset)
        view = view[done:]
        offset += done


def _geometry(count: int) -> tuple[int, int, int]:
    """(shift, half, buckets) of a run of `count` keys: 2**d buckets by the top d bits (d ≥ 1) holding 512–1024
    keys on average; key k is in bucket (k >> shift) + half, which orders buckets as the signed keys."""
    depth = max(1, ((count + _BUCKET_KEYS - 1) // _BUCKET_KEYS - 1).bit_length())
    return 64 - depth, 1 << (depth - 1), 1 << depth
