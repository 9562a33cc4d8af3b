"""JSON-lines logging with a request id on every record (standard library only).

One line per event on stdout, e.g.
{"time": "2026-07-01T09:00:00.123Z", "level": "INFO", "logger": "config.requests",
 "message": "GET /campaigns/x/ 200 12.3ms", "request_id": "…", "method": "GET", …}
Fields passed with `extra={...}` become keys of the line.
"""

import contextvars
import json
import logging
from datetime import UTC, datetime

# The id of the request being handled by this thread or task ("-" outside a request).
request_id_var = contextvars.ContextVar("request_id", default="-")

# Attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD = set(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}


class RequestIdFilter(logging.Filter):
    """Adds `record.request_id` from the context variable the middleware sets."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)
