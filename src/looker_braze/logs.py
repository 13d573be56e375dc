"""Logging set-up for the commands. Library code only calls logging.getLogger(__name__).

Every line logged while an execute runs carries that send's Looker webhook id, so one send can be
followed through the log (the id lives in a context variable that asyncio tasks inherit).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

WEBHOOK_ID: ContextVar[str] = ContextVar("webhook_id", default="-")


class _WebhookIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.webhook_id = WEBHOOK_ID.get()
        return True


def configure_logging(level: str = "info") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(_WebhookIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [webhook=%(webhook_id)s] %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
