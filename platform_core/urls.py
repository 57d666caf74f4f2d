"""The composition root: the one module in platform_core that wires every app in."""

from csp.constants import NONCE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

api_v1 = [
    path("", include("residents.api_urls")),
    path("", include("residents.referrals.api_urls")),
    path("", include("providers.api_urls")),
    path("", include("matching.api_urls")),
    path("", include("marketplace.api_urls")),
    path("", include("platform_core.api_urls")),
]

urlpatterns = [
    path("", views.start, name="start"),
    path("home/", views.home, name="home"),
    path("language/", views.language_switch, name="language_switch"),
    path("notifications/", views.notifications, name="notifications"),
    path("healthz", views.healthz, name="healthz"),
    path("account/contact/", views.account_contact, name="account_contact"),
    path("account/data/", views.account_data, name="account_data"),
    path("account/erase/", views.account_erase, name="account_erase"),
    path("account/erased/", views.account_erased, name="account_erased"),
    path("account/tokens/", views.account_tokens, name="account_tokens"),
    path("account/tokens/<str:token_key>/revoke/", views.account_token_revoke, name="account_token_revoke"),
    path(
        "accessibility/",
        TemplateView.as_view(template_name="platform_core/accessibility.html"),
        name="accessibility",
    ),
    path("accounts/", include("allauth.urls")),
    path("resident/", include("residents.urls")),
    path("referrals/", include("residents.referrals.urls")),
    path("claim/", include("residents.referrals.claim_urls")),
    path("provider/", include("providers.urls")),
    path("matches/", include("matching.urls")),
    path("console/", include("marketplace.urls")),
    path("concerns/", include("marketplace.public_urls")),
    path("opportunities/", include("marketplace.opportunity_urls")),
    path("openreferral/", include("marketplace.openreferral.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI under the site's CSP: its script from this URL (?script), its one
    # inline style with the nonce (templates/drf_spectacular/swagger_ui.html).
    path(
        "api/docs/",
        csp_update({"style-src": [NONCE]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]

# JSON errors under /api/ and /openreferral/, the GOV.UK pages elsewhere.
handler400 = "platform_core.error_views.bad_request"
handler403 = "platform_core.error_views.permission_denied"
handler404 = "platform_core.error_views.page_not_found"
handler500 = "platform_core.error_views.server_error"
