"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``."""

import sys

from config import ConfigError
from marketplace import create_app

# gunicorn's "app failed to load" code: its master stops instead of forking worker after
# worker that would fail the same way; python and flask exit with it too.
APP_LOAD_ERROR = 4

try:
    app = create_app()
except ConfigError as error:
    print(error, file=sys.stderr, flush=True)
    raise SystemExit(APP_LOAD_ERROR) from None
