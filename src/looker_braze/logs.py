"""Logging set-up for the commands. Library code only calls logging.getLogger(__name__).

Every line logged while an execute runs carries that send's Looker webhook id, so one send can be
followed through the log (the id lives in a context variable that asyncio tasks inherit).

Two formats (LOOKER_BRAZE_LOG_FORMAT): ``text``, one readable line per record, and ``json``, one
JSON object per line with time, level, logger, message, webhook_id, and the structured fields a
call passes in ``extra`` (a run's action, mode, label, counts, seconds ...). The JSON formatter is
a dozen lines on orjson, which the hub already uses, rather than one more dependency.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from datetime import UTC, datetime

import orjson

WEBHOOK_ID: ContextVar[str] = ContextVar("webhook_id", default="-")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [webhook=%(webhook_id)s] %(message)s"
# Attributes every LogRecord has: what is left over came from ``extra`` (but uvicorn's copy of
# its message with terminal colours is no field for a log pipeline).
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "webhook_id",
    "color_message",
}


class _WebhookIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.webhook_id = WEBHOOK_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "webhook_id": getattr(record, "webhook_id", "-"),
        }
        entry |= {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str = "info", fmt: str = "text") -> None:
    """Log to stderr in ``fmt`` ("text" or "json"); uvicorn's own lines go the same way."""
    handler = logging.StreamHandler()
    handler.addFilter(_WebhookIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.set_name("looker-braze")
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def configured() -> bool:
    """Whether configure_logging set up this process's logging (so uvicorn should not)."""
    return any(handler.get_name() == "looker-braze" for handler in logging.getLogger().handlers)
