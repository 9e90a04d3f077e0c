from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularSwaggerSplitView

from accounts import views as accounts_views
from config.schema_view import SchemaView
from config.throttling import rate_limited


class FaviconRedirect(RedirectView):
    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        # At request time: the hashed name comes from collectstatic's manifest, absent when the URLconf loads.
        return static_url("favicon.svg")


api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("pipeline.api.urls")),
    path("", include("visits.api_urls")),
    path("", include("quota.api_urls")),
    path("", include("volumes.api_urls")),
    path("", include("satisfaction.api_urls")),
    path("", include("agenda.api_urls")),
    path("", include("targets.api_urls")),
    path("", include("dashboard.api_urls")),
    path("", include("audit.api_urls")),
    path("", include("integrations.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The split view serves its start-up script as a file of its own: no inline script under the CSP.
    path(
        "api/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"
    ),
    path("", accounts_views.home, name="home"),
    # Browsers ask for /favicon.ico wherever a page names no icon (a PDF, an image, the API's JSON).
    path("favicon.ico", FaviconRedirect.as_view()),
    # Each reset request sends an e-mail: limited per address.
    path(
        "accounts/password_reset/",
        rate_limited("password_reset", methods=frozenset({"POST"}))(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("accounts.urls")),
    path("", include("pipeline.urls")),
    path("", include("visits.urls")),
    path("", include("quota.urls")),
    path("", include("satisfaction.urls")),
    path("", include("agenda.urls")),
    path("", include("targets.urls")),
    path("", include("dashboard.urls")),
    path("", include("audit.urls")),
    path("", include("integrations.urls")),
    path("", include("health.urls")),
]
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
