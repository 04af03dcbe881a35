"""Rows for the accounts, supplier, catalog and dashboard routes (issues 2 and 3)."""

from __future__ import annotations

import io
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app

from marketplace import transaction
from marketplace.accounts.models import PasswordResetToken
from marketplace.accounts.services import RESET_TOKEN_PREFIX, sha256
from marketplace.catalog import exporter
from marketplace.catalog.models import ImportJob, ImportJobStatus
from marketplace.db import utcnow
from marketplace.extensions import db
from tests.authz.framework import (
    ACTIVE_MEMBERS,
    ACTIVE_OWNERS,
    MEMBERS_OF_A,
    NEW_PASSWORD,
    OWNERS,
    PRINCIPALS,
    SUPPLIER_MEMBERS,
    SUSPENDED,
    Route,
    World,
    a_members,
    catalog_file,
    dashboard,
    everyone,
    logged_in,
    login_body,
    new_product,
    only,
    photo,
    product_form,
    product_path,
    profile_form,
    read_only_while_suspended,
    register_body,
    staff_body,
    supplier_path,
    suspended_company_only,
    verification_body,
)
from tests.conftest import PASSWORD

LOGGED_IN = tuple(principal for principal in PRINCIPALS if principal != "anonymous")

PRODUCT = "/api/v1/products/<int(max=2147483647):product_id>"
SUPPLIER = "/api/v1/suppliers/<int(max=2147483647):supplier_id>"
PAGE_PRODUCT = "/dashboard/products/<int(max=2147483647):product_id>"
draft_page = product_path("draft_a", api=False)
# A writing route on supplier A's object: A's members in, the suspended company's 403.
a_writers = read_only_while_suspended


def reset_token(world: World) -> str:
    """A password reset link's token for the spare account, as its e-mail would carry."""

    def make() -> str:
        secret = RESET_TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires_at = utcnow() + timedelta(hours=1)
        db.session.add(
            PasswordResetToken(user=world.spare, token_hash=sha256(secret), expires_at=expires_at)
        )
        transaction.commit()
        return secret

    return world.memo("reset_token", make)


IMPORT_JOB = "/api/v1/catalog/imports/<int(max=2147483647):import_id>"
PAGE_IMPORT_JOB = "/dashboard/imports/<int(max=2147483647):import_id>"


def import_job_a(world: World) -> ImportJob:
    """A finished import job of supplier A (catalog/import_jobs.py)."""

    def make() -> ImportJob:
        job = ImportJob(
            supplier_id=world.supplier_a.id,
            created_by_id=world.users["owner_a"].id,
            filename="catalog.csv",
            status=ImportJobStatus.SUCCEEDED,
            row_count=1200,
            created_count=1200,
            started_at=utcnow(),
            finished_at=utcnow(),
        )
        db.session.add(job)
        transaction.commit()
        return job

    return world.memo("import_job_a", make)


def large_catalog_file(world: World) -> dict[str, Any]:
    """One row more than IMPORT_SYNC_MAX_ROWS: imported by a job (202)."""
    rows = current_app.config["IMPORT_SYNC_MAX_ROWS"] + 1
    data = exporter.to_csv(
        [
            list(exporter.COLUMNS),
            *(
                [f"LARGE-{n}" if c == "sku" else exporter.EXAMPLE_ROW[c] for c in exporter.COLUMNS]
                for n in range(rows)
            ),
        ]
    )
    return {"file": (io.BytesIO(data), "large-catalog.csv")}


MATRIX: dict[tuple[str, str], Route] = {
    # Public pages and assets --------------------------------------------------------
    ("GET", "/"): Route(everyone(200), page=True),
    ("GET", "/static/<path:filename>"): Route(everyone(200), path="/static/site.css"),
    ("GET", "/api/docs"): Route(everyone(200), page=True),
    ("GET", "/api/docs/assets/<path:filename>"): Route(
        everyone(200), path="/api/docs/assets/swagger-ui.css"
    ),
    ("GET", "/healthz"): Route(everyone(200)),
    ("GET", "/readyz"): Route(everyone(200)),
    ("GET", "/metrics"): Route(
        # Who is logged in does not matter: the test client is 127.0.0.1 and
        # METRICS_TOKEN is unset in testing.  Remote addresses, proxies and the token
        # (404 for everyone else) are in tests/core/test_metrics.py.
        everyone(200),
        note="localhost or the METRICS_TOKEN bearer; others 404",
    ),
    ("GET", "/api/v1/openapi.json"): Route(everyone(200)),
    ("GET", "/media/products/<filename>"): Route(
        # A draft's photo, like the draft: its company's members and admins only (a
        # published product's photos are everyone's: tests/storage/test_media.py).
        everyone(404) | dict.fromkeys((*MEMBERS_OF_A, "admin"), 200),
        path=lambda w: f"/media/products/{w.image_a.filename}",
    ),
    # Account pages: signed-in visitors are sent home from the forms ------------------
    ("GET", "/login"): Route(logged_in(302, anonymous=200), page=True),
    ("POST", "/login"): Route(everyone(302), form=login_body, page=True, location="/"),
    ("GET", "/register"): Route(logged_in(302, anonymous=200), page=True),
    ("POST", "/register"): Route(
        everyone(302),
        page=True,
        form=lambda w: register_body(w) | {"company_name": "", "country": "US"},
    ),
    ("GET", "/logout"): Route(everyone(200), page=True),
    ("POST", "/logout"): Route(everyone(302), page=True, form=lambda w: {}, location="/"),
    ("GET", "/password-reset"): Route(everyone(200), page=True),
    ("POST", "/password-reset"): Route(
        everyone(302),
        page=True,
        form=lambda w: {"email": w.spare.email},
        location="/login",
        writes=PRINCIPALS,  # the spare account's reset token and e-mail
    ),
    ("GET", "/account/password"): Route(
        logged_in(200, anonymous=302), page=True, location="/login?next=/account/password"
    ),
    ("POST", "/account/password"): Route(
        logged_in(302, anonymous=302),
        page=True,
        form=lambda w: {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "revoke_tokens": "y",
        },
        location=lambda w, principal: (
            "/login?next=/account/password" if principal == "anonymous" else "/"
        ),
        writes=LOGGED_IN,
    ),
    ("POST", "/language"): Route(
        everyone(302), page=True, form=lambda w: {"language": "zh", "next": "/"}, location="/"
    ),
    # Dashboards: anonymous -> the login page, wrong role -> 403 ----------------------
    ("GET", "/dashboard"): Route(
        only(200, *SUPPLIER_MEMBERS, anonymous=302), page=True, location="/login?next=/dashboard"
    ),
    ("GET", "/buyer"): Route(
        only(200, "buyer_x", "buyer_y", anonymous=302), page=True, location="/login?next=/buyer"
    ),
    ("GET", "/admin"): Route(
        only(200, "admin", anonymous=302), page=True, location="/login?next=/admin"
    ),
    # Supplier dashboard: a member's own company; supplier A's products for the rest --
    ("GET", "/dashboard/products"): dashboard(
        only(200, *SUPPLIER_MEMBERS, anonymous=302), "/dashboard/products"
    ),
    ("GET", "/dashboard/products/new"): dashboard(
        only(200, *SUPPLIER_MEMBERS, anonymous=302), "/dashboard/products/new"
    ),
    ("POST", "/dashboard/products/new"): dashboard(
        a_writers(only(302, *SUPPLIER_MEMBERS, anonymous=302)),
        "/dashboard/products/new",
        form=product_form,
        success="/dashboard/products/",
        writes=ACTIVE_MEMBERS,
    ),
    ("GET", PAGE_PRODUCT): dashboard(a_members(200, anonymous=302), draft_page),
    ("POST", PAGE_PRODUCT): dashboard(
        a_writers(a_members(302, anonymous=302)),
        draft_page,
        form=product_form,
        success=draft_page,
        writes=MEMBERS_OF_A,
    ),
    ("POST", f"{PAGE_PRODUCT}/<any(submit, archive, restore):action>"): dashboard(
        a_writers(a_members(302, anonymous=302)),
        product_path("draft_a", "/submit", api=False),
        form=lambda w: {},
        success=draft_page,
        writes=MEMBERS_OF_A,
    ),
    ("POST", f"{PAGE_PRODUCT}/images"): dashboard(
        a_writers(a_members(302, anonymous=302)),
        product_path("draft_a", "/images", api=False),
        form=photo,
        success=draft_page,
        writes=MEMBERS_OF_A,
    ),
    (
        "POST",
        f"{PAGE_PRODUCT}/images/<int(max=2147483647):image_id>/<any(up, down, delete):action>",
    ): dashboard(
        a_writers(a_members(302, anonymous=302)),
        lambda w: f"/dashboard/products/{w.draft_a.id}/images/{w.image_a.id}/delete",
        form=lambda w: {},
        success=draft_page,
        writes=MEMBERS_OF_A,
    ),
    ("GET", "/dashboard/import"): dashboard(
        only(200, *SUPPLIER_MEMBERS, anonymous=302), "/dashboard/import"
    ),
    ("POST", "/dashboard/import"): dashboard(
        # The page shows the import report (200), like the API's 201.
        a_writers(only(200, *SUPPLIER_MEMBERS, anonymous=302)),
        "/dashboard/import",
        form=catalog_file,
        writes=ACTIVE_MEMBERS,
    ),
    ("GET", "/dashboard/profile"): dashboard(
        only(200, *SUPPLIER_MEMBERS, anonymous=302), "/dashboard/profile"
    ),
    ("POST", "/dashboard/profile"): dashboard(
        # The form renames the company: the owner's to do (staff: 403, on the form).
        a_writers(only(302, *ACTIVE_OWNERS, anonymous=302)),
        "/dashboard/profile",
        form=profile_form,
        success="/dashboard/profile",
        writes=ACTIVE_OWNERS,
    ),
    ("POST", "/dashboard/verification"): dashboard(
        # The owner asks for its own company; staff may not.
        a_writers(only(302, *OWNERS, anonymous=302)),
        "/dashboard/verification",
        form=verification_body,
        success="/dashboard/profile#verification",
        writes=ACTIVE_OWNERS,
    ),
    ("GET", "/dashboard/team"): dashboard(
        only(200, *SUPPLIER_MEMBERS, anonymous=302), "/dashboard/team"
    ),
    ("POST", "/dashboard/team"): dashboard(
        a_writers(only(302, *OWNERS, anonymous=302)),
        "/dashboard/team",
        form=staff_body,
        success="/dashboard/team",
        writes=ACTIVE_OWNERS,
    ),
    ("POST", "/dashboard/team/<int(max=2147483647):user_id>/remove"): dashboard(
        # A's staff member: only A's owner removes them.
        a_writers(only(302, "owner_a", anonymous=302)),
        lambda w: f"/dashboard/team/{w.staff_to_remove.id}/remove",
        form=lambda w: {},
        success="/dashboard/team",
        writes=("owner_a",),
    ),
    # Accounts API -------------------------------------------------------------------
    ("GET", "/api/v1/auth/csrf"): Route(everyone(200)),
    ("POST", "/api/v1/auth/register"): Route(everyone(201), json=register_body),
    ("POST", "/api/v1/auth/login"): Route(everyone(200), json=login_body),
    ("POST", "/api/v1/auth/logout"): Route(logged_in(204)),
    ("GET", "/api/v1/auth/me"): Route(logged_in(200)),
    ("PATCH", "/api/v1/auth/me"): Route(logged_in(200), json=lambda w: {"name": "Renamed"}),
    ("POST", "/api/v1/auth/password"): Route(
        logged_in(204),
        json=lambda w: {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    ),
    ("POST", "/api/v1/auth/password-reset"): Route(
        everyone(202), json=lambda w: {"email": w.spare.email}
    ),
    ("POST", "/api/v1/auth/password-reset/confirm"): Route(
        # The e-mailed token is the credential, whoever sends it.
        everyone(204),
        json=lambda w: {"token": reset_token(w), "new_password": NEW_PASSWORD},
    ),
    ("GET", "/api/v1/auth/tokens"): Route(logged_in(200)),
    ("POST", "/api/v1/auth/tokens"): Route(logged_in(201), json=lambda w: {"name": "ERP"}),
    ("DELETE", "/api/v1/auth/tokens/<int(max=2147483647):token_id>"): Route(
        # Buyer X's token: everyone else is told it does not exist.
        logged_in(404) | {"buyer_x": 204},
        path=lambda w: f"/api/v1/auth/tokens/{w.token_x.id}",
    ),
    # Suppliers API: supplier A's company ---------------------------------------------
    ("GET", "/api/v1/suppliers"): Route(everyone(200)),
    ("GET", SUPPLIER): Route(everyone(200), path=supplier_path("supplier_a")),
    ("PATCH", SUPPLIER): Route(
        a_writers(a_members(200)),
        path=supplier_path("supplier_a"),
        json=lambda w: {"description": "EVA slippers since 2005.", "main_markets": ["US"]},
    ),
    ("GET", f"{SUPPLIER}/products"): Route(
        everyone(200), path=supplier_path("supplier_a", "/products")
    ),
    ("GET", f"{SUPPLIER}/members"): Route(
        a_members(200), path=supplier_path("supplier_a", "/members")
    ),
    ("POST", f"{SUPPLIER}/members"): Route(
        a_writers(a_members(201) | {"staff_a": 403}),
        path=supplier_path("supplier_a", "/members"),
        json=staff_body,
    ),
    ("DELETE", f"{SUPPLIER}/members/<int(max=2147483647):user_id>"): Route(
        a_writers(a_members(204) | {"staff_a": 403}),
        path=lambda w: f"/api/v1/suppliers/{w.supplier_a.id}/members/{w.staff_to_remove.id}",
    ),
    ("POST", f"{SUPPLIER}/verification-request"): Route(
        a_writers(a_members(201) | {"staff_a": 403}),
        path=supplier_path("supplier_a", "/verification-request"),
        json=verification_body,
    ),
    ("GET", f"{SUPPLIER}/stats"): Route(
        # Private figures: 404 (not 403) for every logged-in outsider.
        only(200, *MEMBERS_OF_A, "admin", others=404),
        path=supplier_path("supplier_a", "/stats"),
    ),
    # Catalog API: supplier A's draft (with a photo) ---------------------------------
    ("GET", "/api/v1/products"): Route(everyone(200)),
    ("POST", "/api/v1/products"): Route(a_writers(only(201, *SUPPLIER_MEMBERS)), json=new_product),
    ("GET", PRODUCT): Route(
        # A draft: invisible to the public and to other companies.
        everyone(404) | dict.fromkeys((*MEMBERS_OF_A, "admin"), 200),
        path=product_path("draft_a"),
    ),
    ("PATCH", PRODUCT): Route(
        a_writers(a_members(200)),
        path=product_path("draft_a"),
        json=lambda w: {"moq": 1000, "lead_time_days": 25, "sample_price": 4.5},
    ),
    ("DELETE", PRODUCT): Route(a_writers(a_members(204)), path=product_path("draft_a")),
    ("POST", f"{PRODUCT}/submit"): Route(
        a_writers(a_members(200)), path=product_path("draft_a", "/submit")
    ),
    ("POST", f"{PRODUCT}/restore"): Route(
        a_writers(a_members(200)), path=product_path("archived_a", "/restore")
    ),
    ("POST", f"{PRODUCT}/images"): Route(
        a_writers(a_members(201)), path=product_path("draft_a", "/images"), form=photo
    ),
    ("DELETE", f"{PRODUCT}/images/<int(max=2147483647):image_id>"): Route(
        a_writers(a_members(204)),
        path=lambda w: f"/api/v1/products/{w.draft_a.id}/images/{w.image_a.id}",
    ),
    ("PUT", f"{PRODUCT}/images/order"): Route(
        a_writers(a_members(200)),
        path=product_path("draft_a", "/images/order"),
        json=lambda w: {"image_ids": [w.image_a.id]},
    ),
    ("GET", "/api/v1/categories"): Route(everyone(200)),
    ("GET", "/api/v1/materials"): Route(everyone(200)),
    ("POST", "/api/v1/admin/categories"): Route(
        only(201, "admin"),
        json=lambda w: {"slug": f"beach-{w.unique('c')}", "name": "Beach slippers"},
    ),
    # Bulk import and export: a member's own catalog ---------------------------------
    ("POST", "/api/v1/catalog/import"): Route(
        a_writers(only(201, *SUPPLIER_MEMBERS)), form=catalog_file
    ),
    ("GET", IMPORT_JOB): Route(
        # A's import: A's members and admins; 404 for everyone else (a buyer too).
        logged_in(404) | dict.fromkeys((*MEMBERS_OF_A, "admin"), 200),
        path=lambda w: f"/api/v1/catalog/imports/{import_job_a(w).id}",
    ),
    ("GET", PAGE_IMPORT_JOB): dashboard(
        a_members(200, anonymous=302), lambda w: f"/dashboard/imports/{import_job_a(w).id}"
    ),
    ("GET", "/api/v1/catalog/export"): Route(only(200, *SUPPLIER_MEMBERS)),
    ("GET", "/api/v1/catalog/import-template"): Route(only(200, *SUPPLIER_MEMBERS)),
}


def no_form(world: World) -> dict:
    return {}


def profile_form_of_a(world: World) -> dict:
    """The profile form with supplier A's own name and address: what staff may save."""
    a = world.supplier_a
    identity = {"name": a.name, "city": a.city, "province": a.province, "address": a.address}
    return profile_form(world) | {key: value or "" for key, value in identity.items()}


# Routes evaluated again against other objects: (method, rule, what differs, row).
EXTRA_ROWS: list[tuple[str, str, str, Route]] = [
    (
        "POST",
        "/api/v1/catalog/import",
        "a file above IMPORT_SYNC_MAX_ROWS: a job",
        Route(a_writers(only(202, *SUPPLIER_MEMBERS)), form=large_catalog_file),
    ),
    (
        "POST",
        "/dashboard/profile",
        "keeping supplier A's name and address",
        dashboard(
            # Staff edit the rest of their profile; B's staff would rename B (403).
            a_writers(only(302, *MEMBERS_OF_A, anonymous=302)),
            "/dashboard/profile",
            form=profile_form_of_a,
            success="/dashboard/profile",
            writes=MEMBERS_OF_A,
        ),
    ),
    (
        "PATCH",
        SUPPLIER,
        "renaming supplier A",
        Route(
            a_writers(a_members(200) | {"staff_a": 403}),
            path=supplier_path("supplier_a"),
            json=lambda w: {"name": "Supplier A Footwear Group"},
        ),
    ),
    (
        "GET",
        PRODUCT,
        "A's published product",
        Route(everyone(200), path=product_path("published_a")),
    ),
    (
        "GET",
        PRODUCT,
        "the suspended company's published product",
        Route(
            everyone(404) | dict.fromkeys((*SUSPENDED, "admin"), 200),
            path=product_path("suspended_published"),
        ),
    ),
    # The suspended company's own objects: read-only for its members (403), absent for
    # other companies' members (404), another role's route for buyers and admins (403).
    *[
        (
            method,
            rule,
            "the suspended company's own draft",
            Route(
                suspended_company_only(403), path=product_path("suspended_draft", suffix), **body
            ),
        )
        for method, rule, suffix, body in (
            ("PATCH", PRODUCT, "", {"json": lambda w: {"moq": 1000}}),
            ("DELETE", PRODUCT, "", {}),
            ("POST", f"{PRODUCT}/submit", "/submit", {}),
            ("POST", f"{PRODUCT}/images", "/images", {"form": photo}),
        )
    ],
    *[
        (
            "POST",
            rule,
            "the suspended company's own draft",
            dashboard(
                suspended_company_only(403, anonymous=302),
                product_path("suspended_draft", suffix, api=False),
                form=form,
            ),
        )
        for rule, suffix, form in (
            (PAGE_PRODUCT, "", product_form),
            (f"{PAGE_PRODUCT}/<any(submit, archive, restore):action>", "/submit", no_form),
            (f"{PAGE_PRODUCT}/<any(submit, archive, restore):action>", "/archive", no_form),
            (f"{PAGE_PRODUCT}/images", "/images", photo),
        )
    ],
    *[
        (
            method,
            rule,
            "the suspended company",
            Route(suspended_company_only(403), path=path, json=body),
        )
        for method, rule, path, body in (
            ("PATCH", SUPPLIER, supplier_path("suspended"), lambda w: {"description": "Open"}),
            ("POST", f"{SUPPLIER}/members", supplier_path("suspended", "/members"), staff_body),
            (
                "DELETE",
                f"{SUPPLIER}/members/<int(max=2147483647):user_id>",
                lambda w: (
                    f"/api/v1/suppliers/{w.suspended.id}/members/{w.users['suspended_staff'].id}"
                ),
                None,
            ),
            (
                "POST",
                f"{SUPPLIER}/verification-request",
                supplier_path("suspended", "/verification-request"),
                verification_body,
            ),
        )
    ],
    (
        "GET",
        SUPPLIER,
        "the suspended company",
        Route(
            everyone(404) | dict.fromkeys((*SUSPENDED, "admin"), 200),
            path=supplier_path("suspended"),
        ),
    ),
    (
        "GET",
        f"{SUPPLIER}/products",
        "the suspended company",
        Route(
            everyone(404) | dict.fromkeys((*SUSPENDED, "admin"), 200),
            path=supplier_path("suspended", "/products"),
        ),
    ),
    (
        "GET",
        f"{SUPPLIER}/stats",
        "the suspended company",
        Route(
            only(200, *SUSPENDED, "admin", others=404),
            path=supplier_path("suspended", "/stats"),
        ),
    ),
]
