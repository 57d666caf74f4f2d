"""Open Referral UK (HSDS 3.0) feed, mounted at /openreferral/ by platform_core/urls.py.

Paths as in the ORUK API (`/services/{id}`); a trailing slash is accepted too,
since directory clients differ.
"""

from django.urls import re_path

from . import views

app_name = "openreferral"
urlpatterns = [
    re_path(r"^$", views.api_info, name="api_info"),
    re_path(r"^services/?$", views.service_list, name="service_list"),
    re_path(r"^services/(?P<id>[^/]+)/?$", views.service_detail, name="service_detail"),
    re_path(r"^service_at_locations/?$", views.service_at_location_list, name="service_at_location_list"),
    re_path(
        r"^service_at_locations/(?P<id>[^/]+)/?$", views.service_at_location_detail, name="service_at_location_detail"
    ),
    re_path(r"^taxonomies/?$", views.taxonomy_list, name="taxonomy_list"),
    re_path(r"^taxonomies/(?P<id>[^/]+)/?$", views.taxonomy_detail, name="taxonomy_detail"),
    re_path(r"^taxonomy_terms/?$", views.taxonomy_term_list, name="taxonomy_term_list"),
    re_path(r"^taxonomy_terms/(?P<id>[^/]+)/?$", views.taxonomy_term_detail, name="taxonomy_term_detail"),
]
