from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from federation.api import FederationViewSet
from federation.middleware import content_security_policy
from members.api import ImportViewSet, MemberViewSet, MovementViewSet
from reports.api import register as register_reports
from unions.api import UnionViewSet
from unions.api_reorg import register as register_reorganizations
from welfare.api import ActivityViewSet, FundViewSet, OccasionViewSet, ShelterViewSet, WelfareTotalsViewSet


class ApiDocsView(SpectacularSwaggerSplitView):
    """The interactive API docs. Swagger UI styles its widgets inline, so this page (the schema,
    no personal data) allows inline styles; scripts stay files of our own, as everywhere."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.headers["Content-Security-Policy"] = content_security_policy(style_src="'self' 'unsafe-inline'")
        return response


router = DefaultRouter()
router.register("federations", FederationViewSet, basename="federation")
router.register("unions", UnionViewSet, basename="union")
router.register("members", MemberViewSet, basename="member")
router.register("movements", MovementViewSet, basename="movement")
router.register("imports", ImportViewSet, basename="memberimport")
router.register("activities", ActivityViewSet, basename="activity")
router.register("shelters", ShelterViewSet, basename="shelter")
router.register("funds", FundViewSet, basename="fund")
router.register("occasions", OccasionViewSet, basename="occasion")
router.register("welfare-totals", WelfareTotalsViewSet, basename="welfaretotals")
register_reports(router)
register_reorganizations(router)

admin.site.site_header = _("Labor federation administration")
admin.site.site_title = _("Labor federation administration")

urlpatterns = [
    path("", include("federation.urls")),
    path("units/", include("unions.urls")),
    path("members/", include("members.urls")),
    path("welfare/", include("welfare.urls")),
    path("reports/", include("reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
]
