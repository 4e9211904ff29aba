"""Structured logs and CloudWatch metrics with the standard library only, for the functions whose cold start cannot
afford Powertools' Logger and Metrics (the lookup and the authorizer: docs/operations.md, Cold start).

- Log lines are JSON with the keys Powertools' Logger writes (level, location, message, timestamp, service,
  cold_start, function_*, correlation_id, xray_trace_id, then the caller's extra keys), so one log query reads
  every function. The level comes from POWERTOOLS_LOG_LEVEL (or LOG_LEVEL), the service from
  POWERTOOLS_SERVICE_NAME, as for the other functions.
- Metrics are written in CloudWatch's embedded metric format, one document per invocation, as Powertools'
  Metrics writes them (dimension `service`); POWERTOOLS_METRICS_DISABLED=true turns them off, as it does there.
"""

import json
import logging
import os
import sys
import time
import traceback
from datetime import UTC, datetime
from typing import Any

# Logs ---------------------------------------------------------------------------------------------------------------


class JsonLogger:
    """Structured log lines on stdout, one JSON object each, with the invocation's keys (`start`)."""

    def __init__(self) -> None:
        level = os.environ.get("POWERTOOLS_LOG_LEVEL") or os.environ.get("LOG_LEVEL") or "INFO"
        self.level = logging.getLevelName(level.upper())
        if not isinstance(self.level, int):
            self.level = logging.INFO
        self.service = os.environ.get("POWERTOOLS_SERVICE_NAME", "service_undefined")
        self.keys: dict[str, Any] = {}
        self._cold = True

    def start(self, context: Any, correlation_id: str | None = None) -> None:
        """The keys every line of this invocation carries: who ran it, for which request, on a cold start or not."""
        self.keys = {
            "cold_start": self._cold,
            "function_name": getattr(context, "function_name", None),
            "function_memory_size": getattr(context, "memory_limit_in_mb", None),
            "function_arn": getattr(context, "invoked_function_arn", None),
            "function_request_id": getattr(context, "aws_request_id", None),
        }
        if correlation_id is not None:
            self.keys["correlation_id"] = correlation_id
        self._cold = False

    def debug(self, msg: str, /, *, extra: dict[str, Any] | None = None) -> None:
        self._log(logging.DEBUG, msg, extra)

    def info(self, msg: str, /, *, extra: dict[str, Any] | None = None) -> None:
        self._log(logging.INFO, msg, extra)

    def warning(self, msg: str, /, *, extra: dict[str, Any] | None = None) -> None:
        self._log(logging.WARNING, msg, extra)

    def exception(self, msg: str, /, *, extra: dict[str, Any] | None = None) -> None:
        self._log(logging.ERROR, msg, extra, with_exception=True)

    def _log(self, level: int, message: str, extra: dict[str, Any] | None, with_exception: bool = False) -> None:
        if level < self.level:
            return
        caller = sys._getframe(2)
        line: dict[str, Any] = {
            "level": logging.getLevelName(level),
            "location": f"{caller.f_code.co_name}:{caller.f_lineno}",
            "message": message,
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "service": self.service,
            **self.keys,
        }
        trace = os.environ.get("_X_AMZN_TRACE_ID")
        if trace:
            line["xray_trace_id"] = trace.split(";")[0].removeprefix("Root=")
        line.update(extra or {})
        if with_exception:
            kind, error, _ = sys.exc_info()
            if kind is not None:
                line["exception_name"] = kind.__name__
                line["exception"] = "".join(traceback.format_exception(error)).rstrip()
        _write(json.dumps(line, default=str, ensure_ascii=False))


# Metrics ------------------------------------------------------------------------------------------------------------


class Metrics:
    """Counts added during an invocation, written at its end as one embedded-metric-format document."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.service = os.environ.get("POWERTOOLS_SERVICE_NAME", "service_undefined")
        self._values: dict[str, float] = {}

    def add_count(self, name: str, value: float) -> None:
        self._values[name] = self._values.get(name, 0) + value

    def flush(self) -> None:
        if not self._values or os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() in ("true", "1"):
            self._values = {}
            return
        units = [{"Name": name, "Unit": "Count"} for name in self._values]
        document = {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [{"Namespace": self.namespace, "Dimensions": [["service"]], "Metrics": units}],
            },
            "service": self.service,
            **{name: [float(value)] for name, value in self._values.items()},  # as Powertools writes values
        }
        self._values = {}
        _write(json.dumps(document, separators=(",", ":")))


def _write(line: str) -> None:
    """One line on stdout, where Lambda collects a function's logs (and CloudWatch reads EMF documents)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
