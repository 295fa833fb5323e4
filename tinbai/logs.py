"""Logging set-up: named loggers, the message-id in every line about a message."""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(msgid)s] %(message)s"


class _DefaultMessageId(logging.Filter):
    """Lines not about one message show ``-`` where the message-id goes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "msgid"):
            record.msgid = "-"
        return True


def message_logger(
    logger: logging.Logger, message_id: str
) -> logging.LoggerAdapter[logging.Logger]:
    """A logger whose lines carry ``message_id`` (so one message's story can be grepped)."""
    return logging.LoggerAdapter(logger, {"msgid": message_id})


def setup_logging(level: str = "INFO") -> None:
    """Log to standard error with the message-id column; idempotent."""
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_tinbai", False):
            return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(_DefaultMessageId())
    handler._tinbai = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # mail-parser is quieter still: ingest.mime sets its level (it warns "Email content
    # 'png' not handled" for ordinary attachments; real problems are defects).
    for noisy in ("imapclient", "PIL", "apscheduler.executors"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
