"""JSON logs, one object a line, each carrying the request id.

No stack traces unless ``LOG_TRACEBACKS`` is set: a record logged with
``exc_info`` keeps only the exception's type (``error_type``), never its
traceback or message (which may quote SQL, an e-mail address or a password).
"""

from __future__ import annotations

import logging
import sys

from flask import Flask, g, has_request_context
from pythonjsonlogger.json import JsonFormatter


class RequestIdFilter(logging.Filter):
    def __init__(self, *, keep_tracebacks: bool = False):
        super().__init__()
        self.keep_tracebacks = keep_tracebacks

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        if record.exc_info and not self.keep_tracebacks:
            error = record.exc_info[1]
            if error is not None and not hasattr(record, "error_type"):
                record.error_type = type(error).__name__
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RequestIdFilter(keep_tracebacks=bool(app.config.get("LOG_TRACEBACKS"))))
    root = logging.getLogger("marketplace")
    root.handlers[:] = [handler]
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    root.propagate = False
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
