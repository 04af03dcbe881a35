"""Flask extensions, created unbound and initialised in ``create_app``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from marketplace.api_base import Api
from marketplace.database import RoutingSession
from marketplace.db import Base
from marketplace.net import client_ip

# RoutingSession: a marked read-only request may read from DATABASE_REPLICA_URL.
db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
# Models subclass ``Model``: Flask-SQLAlchemy builds ``db.Model`` from Base at run time, which
# a type checker cannot follow, so for mypy the name is Base itself (same Mapped[] columns).
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
api = Api()
babel = Babel()
# Every limit goes through marketplace.ratelimit; Flask-Limiter stays for its config
# conventions.  Should a decorator come back, a storage error must not become a 500.
limiter = Limiter(key_func=client_ip, default_limits=[], swallow_errors=True)
