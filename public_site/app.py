"""The Litestar application factory: settings, database, search and routes wired in one place."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.config.response_cache import ResponseCacheConfig
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy import Engine

from public_site.api import ApiController, RegistryController, VerifyController
from public_site.auth import CSRF_COOKIE
from public_site.enforcement_api import EnforcementApiController
from public_site.feeds import OpenDataController
from public_site.health import healthz, readyz
from public_site.limiter import RateLimit
from public_site.metrics import metrics, registry_metrics
from public_site.notices import NoticeController
from public_site.observe import observed
from public_site.pages import PageController
from public_site.partner_api import PartnerApiController, jwks
from public_site.photo_lookup import PhotoLookupController
from public_site.photo_page import PhotoPageController
from public_site.plugin import Services, problem_details
from public_site.printables import PrintController
from public_site.rendering import TEMPLATES
from public_site.report_form import ReportController
from public_site.safety import log_server_error, security_headers, unstorable_refused
from public_site.staff_api import StaffApiController
from public_site.staff_pages import StaffLoginController, StaffPageController
from public_site.staff_plan_pages import StaffPlanController
from public_site.staff_reviews import StaffReviewController
from public_site.statistics_page import StatisticsController
from registry.db import BATCH, WEB, make_engine
from registry.logs import configure_logging
from registry.settings import Settings, get_settings
from search.client import SearchIndex, resolve_target

HERE = Path(__file__).parent
# the API viewer at /schema, served from our own static files: no CDN, works offline
SWAGGER = SwaggerRenderPlugin(
    path="/", favicon="", js_url="/static/swagger-ui/swagger-ui-bundle.js",
    css_url="/static/swagger-ui/swagger-ui.css",
    standalone_preset_js_url="/static/swagger-ui/swagger-ui-standalone-preset.js",
)


def serve_app() -> Litestar:
    """The app as ``hopquy serve`` runs it, in each worker process: logging configured first."""
    configure_logging()
    return create_app()


def create_app(
    settings: Settings | None = None,
    engine: Engine | None = None,
    index: SearchIndex | None = None,
    run_worker: bool = True,
    migrate: bool = True,
) -> Litestar:
    """Build the app; tests pass their own engine and index, the server reads the settings (and
    its start freezes what the process holds: ``Services``)."""
    settings = settings or get_settings()
    batch_engine = engine
    if engine is None:  # requests get web timeouts; uploads and background jobs their own, longer
        engine = make_engine(settings.database_url, timeouts=WEB)
        batch_engine = make_engine(settings.database_url, timeouts=BATCH, pool_size=2)
    if index is None:
        target = resolve_target(settings)
        index = SearchIndex(target, timeout=2) if target else None
    per_minute = settings.rate_limit_per_minute  # per client and worker; 0: no limit
    services = Services(settings, engine, index, run_worker, migrate, batch_engine, freeze=batch_engine is not engine)
    # forms that post with a cookie carry a CSRF token; the API takes bearer tokens, never cookies
    csrf = CSRFConfig(secret=settings.secret_key, cookie_name=CSRF_COOKIE, cookie_httponly=True,
                      cookie_secure=settings.secure_cookies)
    app = Litestar(
        route_handlers=[
            PageController,
            ApiController,
            RegistryController,
            VerifyController,
            PhotoLookupController,
            PhotoPageController,
            PrintController,
            OpenDataController,
            NoticeController,
            StatisticsController,
            Router("/", route_handlers=[ReportController, StaffLoginController, StaffPageController,
                                            StaffPlanController, StaffReviewController],
                   middleware=[DefineMiddleware(CSRFMiddleware, config=csrf)]),
            StaffApiController,
            EnforcementApiController,
            PartnerApiController,
            jwks,
            healthz,
            readyz,
            metrics,
            create_static_files_router(path="/static", directories=[HERE / "static"],
                                       include_in_schema=False),
        ],
        template_config=TemplateConfig(instance=TEMPLATES),
        plugins=[services, problem_details()],
        response_cache_config=ResponseCacheConfig(default_expiration=60),
        openapi_config=OpenAPIConfig(
            title="Hopquy", version="1", render_plugins=[SWAGGER],
            components=Components(security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer")}),
        ),
        logging_config=None,  # the process's one configuration: registry.logs, set by serve_app or the CLI
        before_send=[security_headers],
        after_exception=[log_server_error],
        middleware=[*([RateLimit(per_minute, partners=services.partner_keys,
                                  partner_per_minute=settings.partner_per_minute).middleware]
                      if per_minute > 0 else []), unstorable_refused],
        debug=False,
    )
    app.state.metrics_registry = registry_metrics(engine, index)
    app.asgi_handler = observed(app.asgi_handler, settings.access_log)  # around routing: 404s are observed too
    return app
