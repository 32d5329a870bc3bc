"""Logging setup: plain text or JSON lines (`LOG_FORMAT=json`).

Log lines carry ids and counts, never message text, names or e-mail addresses, and never tokens.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# Library loggers that may print request bodies or URLs with tokens stay quiet below WARNING.
NOISY_LOGGERS = (
    "slack_bolt", "slack_sdk", "botbuilder", "botframework", "msrest", "aiohttp.access",
    "urllib3", "msal", "alembic",
)


def configure_logging(level: str = "INFO", fmt: str = "text", file: Path | None = None) -> None:
    """Logs to standard error, or appended to `file` (the terminal demo keeps its
    conversation free of log lines that way)."""

    handler: logging.Handler = (
        logging.FileHandler(file, encoding="utf-8") if file is not None
        else logging.StreamHandler(sys.stderr)
    )
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
