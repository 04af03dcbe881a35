"""Neikeng slipper sourcing marketplace: the application factory."""

from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, ProductionConfig, config_from_env, engine_options
from marketplace.json_provider import OrjsonProvider


def create_app(config_class: type[Config] | None = None) -> Flask:
    config_class = config_class or config_from_env()
    if issubclass(config_class, ProductionConfig):
        config_class.validate()
    app = Flask(__name__, instance_relative_config=True)
    app.json = OrjsonProvider(app)
    app.config.from_object(config_class)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)  # pool: PostgreSQL only
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config["UPLOAD_DIR"]:
        app.config["UPLOAD_DIR"] = os.path.join(app.instance_path, "uploads")
    if app.config["TRUSTED_PROXY_COUNT"]:
        count = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )

    from marketplace.logging_setup import configure_logging

    configure_logging(app)
    register_extensions(app)
    register_receivers()
    register_request_handling(app)
    from marketplace.monitoring import init_sentry

    init_sentry(app)  # after the error handlers: it wraps the 500 handler
    register_blueprints(app)
    register_commands(app)
    from marketplace import transaction

    transaction.wrap_views(app)  # last: every view registered above commits in one place
    return app


def register_extensions(app: Flask) -> None:
    from marketplace import database, jobs, transaction
    from marketplace.extensions import babel, db, limiter, migrate
    from marketplace.i18n import select_locale
    from marketplace.search import indexer as search_indexer
    from marketplace.storage import init_app as init_storage

    database.prepare_engine_options(app)  # lock_timeout in the connection options
    db.init_app(app)
    database.configure_engines(app)  # and the read replica, if configured
    transaction.install_listeners()
    search_indexer.install_listeners()  # every ORM change of the catalog reaches search
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    limiter.init_app(app)
    init_storage(app)  # a bad STORAGE_URL stops the start
    jobs.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    # Models must be imported before the API spec and migrations look at the metadata.
    import marketplace.models  # noqa: F401


def register_receivers() -> None:
    """A domain never imports a domain above it (pyproject.toml, ``domain-layers``): what a
    lower one announces, a higher one does, connected here. (blinker signals are global;
    connecting the same receiver again, for each app, changes nothing.)"""
    from marketplace.accounts.signals import account_email, supplier_registered
    from marketplace.catalog.signals import product_entered_review, published_products_changed
    from marketplace.inquiries.signals import response_metrics_changed
    from marketplace.moderation.checks import check_product, prohibited_terms_in_identity
    from marketplace.moderation.rechecks import recheck_published
    from marketplace.notifications.services import send_account_email
    from marketplace.rfqs.tasks import queue_metrics_refresh
    from marketplace.suppliers.services import create_owner_company
    from marketplace.suppliers.signals import identity_changing

    supplier_registered.connect(create_owner_company)
    account_email.connect(send_account_email)
    product_entered_review.connect(check_product)
    published_products_changed.connect(recheck_published)
    response_metrics_changed.connect(queue_metrics_refresh)
    identity_changing.connect(prohibited_terms_in_identity)


def register_request_handling(app: Flask) -> None:
    from marketplace.accounts.auth import register_auth
    from marketplace.errors import register_error_handlers
    from marketplace.http import register_http_hooks

    register_http_hooks(app)  # first: request ids and input checks come before auth
    register_auth(app)
    register_error_handlers(app)


def register_blueprints(app: Flask) -> None:
    from marketplace.accounts.api import blp as accounts_api
    from marketplace.api_base import API_PREFIX
    from marketplace.catalog.api import blp as catalog_api
    from marketplace.catalog.import_api import blp as catalog_io_api
    from marketplace.extensions import api
    from marketplace.health import bp as health_bp
    from marketplace.inquiries.api import blp as inquiries_api
    from marketplace.media import bp as media_bp
    from marketplace.moderation.api import blp as moderation_api
    from marketplace.notifications.api import blp as notifications_api
    from marketplace.orders.api import blp as orders_api
    from marketplace.rfqs.api import blp as rfqs_api
    from marketplace.samples.api import blp as samples_api
    from marketplace.search.api import blp as search_api
    from marketplace.suppliers.api import blp as suppliers_api

    # The page modules add their views to ``web_bp``; import them before registering it.
    from marketplace.web import (  # noqa: F401
        account_pages,
        admin_jobs_pages,
        admin_pages,
        inquiry_pages,
        public_pages,
        rfq_pages,
        sample_pages,
        supplier_pages,
    )
    from marketplace.web import bp as web_bp
    from marketplace.web.apidocs import bp as apidocs_bp

    api.init_app(app, spec_kwargs={"servers": [{"url": "/"}]})
    api.spec.components.security_scheme(
        "cookieAuth", {"type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"]}
    )
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for blueprint in (
        accounts_api,
        suppliers_api,
        catalog_api,
        catalog_io_api,
        search_api,
        inquiries_api,
        rfqs_api,
        samples_api,
        orders_api,
        notifications_api,
        moderation_api,
    ):
        api.register_blueprint(blueprint, url_prefix=f"{API_PREFIX}{blueprint.url_prefix or ''}")
    app.register_blueprint(health_bp)
    app.register_blueprint(apidocs_bp)
    app.register_blueprint(media_bp)
    app.register_blueprint(web_bp)
    from marketplace.metrics import init_metrics

    init_metrics(app)  # /metrics (not part of the API spec) and the latency histogram


def register_commands(app: Flask) -> None:
    from marketplace.cli import register_cli

    register_cli(app)
