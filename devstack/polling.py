"""The loop every local event source runs: poll on a thread until stopped, and tell a waiting test when it is idle.

Lambda's event source mappings (SQS queues, DynamoDB streams) poll their source and invoke the function with what
they find. A local source subclasses `PollLoop` and implements `poll_once()`; the loop runs it on a daemon thread.
`wait_until_idle()` returns once a poll that started after the call found nothing, so tests need no sleeps;
`busy_polls` counts the polls that found something, so a caller watching several sources can tell whether any of
them did work while it waited (see `DevStack.wait_until_idle`).
"""

from __future__ import annotations

import logging
import threading
from typing import Self

__all__ = ["PollLoop"]

logger = logging.getLogger(__name__)


class PollLoop:
    """One background thread calling `poll_once()` until stopped."""

    def __init__(self, name: str, *, idle_interval_seconds: float = 0.0, error_backoff_seconds: float = 1.0) -> None:
        """`idle_interval_seconds`: the pause after a poll that found nothing (0 for a source that long-polls);
        `error_backoff_seconds`: the pause after a poll that raised, before trying again."""
        self.name = name
        self._idle_interval = idle_interval_seconds
        self._error_backoff = error_backoff_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = threading.Condition()
        self._polls_started = 0
        self._last_idle_poll = 0
        self.busy_polls = 0
        """Polls that found something and finished handling it."""

    def poll_once(self) -> bool:
        """Read the source once and hand what it holds to the function; True when there was nothing to do."""
        raise NotImplementedError

    def describe_busy(self) -> str:
        """What is still going on, for a wait that timed out."""
        return f"{self.name} was still busy"

    # -- lifecycle ----------------------------------------------------------------------------------------------

    def start(self) -> Self:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.warning("%s is still running its handler; leaving it behind", self._thread.name)
            self._thread = None
        with self._state:
            self._state.notify_all()

    # -- waiting ------------------------------------------------------------------------------------------------

    def mark(self) -> int:
        """A point in the loop's life to wait from (see `wait_idle_since`)."""
        with self._state:
            return self._polls_started

    def wait_idle_since(self, mark: int, timeout: float = 30) -> None:
        """Block until a poll that started after `mark` found nothing.

        Raises TimeoutError if that takes longer than `timeout` seconds, RuntimeError if the loop is stopped.
        """
        with self._state:
            if self._thread is None:
                raise RuntimeError(f"{self.name} is not running")
            idle = self._state.wait_for(lambda: self._last_idle_poll > mark or self._stopping.is_set(), timeout)
            if self._stopping.is_set():
                raise RuntimeError(f"{self.name} stopped")
            if not idle:
                raise TimeoutError(f"{self.describe_busy()} after {timeout} s")

    def wait_until_idle(self, timeout: float = 30) -> None:
        """Block until a poll that started after this call found nothing."""
        self.wait_idle_since(self.mark(), timeout)

    # -- the loop -----------------------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            with self._state:
                self._polls_started += 1
                poll = self._polls_started
            try:
                idle = self.poll_once()
            except Exception:
                if self._stopping.is_set():
                    break
                logger.exception("%s: polling failed; retrying", self.name)
                self._stopping.wait(self._error_backoff)
                continue
            with self._state:
                if idle:
                    self._last_idle_poll = poll
                else:
                    self.busy_polls += 1
                self._state.notify_all()
            if idle and self._idle_interval:
                self._stopping.wait(self._idle_interval)
