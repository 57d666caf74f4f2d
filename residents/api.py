"""The residents' API: the same services and selectors as the pages.

Creating a need: `POST needs/` posts it at once (every answer in one request,
checked like the check-answers page). A draft started on the web can be
finished with `PATCH needs/{reference}/` and sent with `POST needs/{reference}/post/`.
Serializers only parse types; every rule (required answers, postcode in the
council, end after start, ...) is the services', and their errors come back
in the common format {"error": {"code", "message", "fields"}}.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from platform_core.api import KeysetPagination, SlotsField
from platform_core.models import Preference
from platform_core.permissions import request_passed_two_factor

from .models import ContactPreference, Need, Resident
from .selectors import (
    category_for_council,
    need_get_for,
    need_list_for,
    need_list_for_resident,
    resident_for_user,
    resident_get_managed_by,
)
from .services import need_cancel, need_create_posted, need_post, need_update, resident_save


class IsResident(BasePermission):
    message = "Only residents can use this part of the API."

    def has_permission(self, request, view) -> bool:
        return bool(request.user.is_authenticated and request.user.can_be_resident)


class IsResidentOrAssisting(IsResident):
    """Residents (and referrers, who may be residents too); or an officer whose session
    or token passed the second factor, posting for a caller they assist (ADR 0021)."""

    def has_permission(self, request, view) -> bool:
        if super().has_permission(request, view):
            return True
        return bool(request.user.is_authenticated and request.user.is_officer and request_passed_two_factor(request))


PERMISSIONS = [IsAuthenticated, IsResident]
# Endpoints about one need: someone else's need is 404 whoever asks (the selector
# finds only the caller's own needs), so a reference leaks nothing.
NEED_PERMISSIONS = [IsAuthenticated]


class NeedCategorySerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class NeedOutputSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=Need.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    status_reason = serializers.CharField()
    category = NeedCategorySerializer(allow_null=True)
    title = serializers.CharField()
    description = serializers.CharField()
    urgency = serializers.ChoiceField(choices=Need.Urgency.choices)
    timing = serializers.ChoiceField(choices=Need.Timing.choices)
    window_start = serializers.DateTimeField(allow_null=True)
    window_end = serializers.DateTimeField(allow_null=True)
    weekly_slots = SlotsField()
    weekly_description = serializers.CharField()
    repeat_every_weeks = serializers.IntegerField()
    ends_on = serializers.DateField(allow_null=True)
    visit_count = serializers.IntegerField(allow_null=True)
    use_home_address = serializers.BooleanField()
    postcode = serializers.CharField()
    accessibility = serializers.CharField()
    language = serializers.CharField()
    preferences = serializers.ListField(child=serializers.ChoiceField(choices=Preference.choices))
    posted_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class NeedInputSerializer(serializers.Serializer):
    """Every answer is optional here; the services say which are required and why."""

    category = serializers.SlugField(required=False, help_text="The slug of one of your council's categories.")
    title = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    urgency = serializers.ChoiceField(choices=Need.Urgency.choices, required=False)
    timing = serializers.ChoiceField(choices=Need.Timing.choices, required=False)
    window_start = serializers.DateTimeField(required=False, allow_null=True, help_text="One-off needs.")
    window_end = serializers.DateTimeField(required=False, allow_null=True, help_text="One-off needs.")
    weekly_slots = SlotsField(required=False, help_text="Weekly needs: slots weekday*3+day_part (0-20).")
    repeat_every_weeks = serializers.IntegerField(
        required=False, help_text="Weekly needs: visits come every this many weeks (1 to 12)."
    )
    ends_on = serializers.DateField(
        required=False, allow_null=True, help_text="Weekly needs: the last day of visits (or visit_count, not both)."
    )
    visit_count = serializers.IntegerField(
        required=False, allow_null=True, help_text="Weekly needs: how many visits in all, 1 to 365 (or ends_on)."
    )
    use_home_address = serializers.BooleanField(required=False)
    postcode = serializers.CharField(required=False, allow_blank=True, help_text="When use_home_address is false.")
    accessibility = serializers.CharField(required=False, allow_blank=True)
    language = serializers.CharField(required=False, allow_blank=True)
    preferences = serializers.ListField(
        child=serializers.ChoiceField(choices=Preference.choices), required=False, max_length=len(Preference.choices)
    )


def _need_fields(data: dict, resident: Resident) -> dict:
    """The service's keyword arguments; a category slug becomes the category."""
    fields = dict(data)
    if "category" in fields:
        category = category_for_council(council=resident.council, slug=fields["category"])
        if category is None:
            raise exceptions.ValidationError({"category": ["Select a kind of help from the list"]})
        fields["category"] = category
    return fields


def _own_need(request: Request, reference: str) -> Need:
    """One of the caller's needs, or of a resident they act for (a referrer's,
    ADR 0021); an officer acts for nobody here without the second factor."""
    if request.user.is_officer and not request_passed_two_factor(request):
        raise exceptions.NotFound("No such need.")
    need = need_get_for(user=request.user, reference=reference)
    if need is None:
        raise exceptions.NotFound("No such need.")
    return need


def _resident_or_403(request: Request) -> Resident:
    resident = resident_for_user(user=request.user)
    if resident is None:
        raise exceptions.PermissionDenied("Create your profile first: PUT /api/v1/residents/me/.")
    return resident


class NeedFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Need.Status.choices)
    category = django_filters.CharFilter(field_name="category__slug", help_text="A category slug.")

    resident = django_filters.NumberFilter(
        method="_for_resident", help_text="For a referrer: the needs of one resident you referred (their id)."
    )

    class Meta:
        model = Need
        fields = ["status", "category", "resident"]

    def _for_resident(self, queryset, name, value):
        # The queryset already holds only that resident's needs (NeedListCreateApi.get_queryset).
        return queryset


class NeedListCreateApi(generics.GenericAPIView):
    """Your needs (drafts included), newest first; or post a new need."""

    pagination_class = KeysetPagination
    permission_classes = [IsAuthenticated, IsResidentOrAssisting]
    queryset = Need.objects.none()
    filterset_class = NeedFilter

    class NeedCreateInputSerializer(NeedInputSerializer):
        resident = serializers.IntegerField(
            required=False,
            min_value=1,
            help_text="For a referrer: the id of a resident you referred (an officer: of a caller you assist).",
        )

    def get_queryset(self):
        wanted = self.request.query_params.get("resident", "")
        if wanted.isdigit():
            resident = resident_get_managed_by(user=self.request.user, pk=int(wanted))
            if resident is None:
                return Need.objects.none()
            return need_list_for_resident(user=self.request.user, resident=resident)
        return need_list_for(user=self.request.user)

    @extend_schema(operation_id="needs_list", responses=NeedOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(NeedOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="needs_create",
        request=NeedCreateInputSerializer,
        responses={
            201: NeedOutputSerializer,
            404: OpenApiResponse(description="No such resident: `resident` names nobody you referred."),
        },
        description="Create and post a need in one request; it is checked as a whole, like check your answers.",
    )
    def post(self, request: Request) -> Response:
        serializer = self.NeedCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        if "resident" in fields:
            # A referrer posts for a resident they referred: the same rules as the resident's own.
            resident = resident_get_managed_by(user=request.user, pk=fields.pop("resident"))
            if resident is None:
                raise exceptions.NotFound("No such resident.")
        else:
            resident = _resident_or_403(request)
        need = need_create_posted(resident=resident, by=request.user, **_need_fields(fields, resident))
        return Response(NeedOutputSerializer(need).data, status=status.HTTP_201_CREATED)


class NeedDetailApi(APIView):
    """One of your needs; change it while it is a draft or waiting for a match."""

    permission_classes = NEED_PERMISSIONS

    class NeedUpdateInputSerializer(NeedInputSerializer):
        pass

    @extend_schema(operation_id="needs_retrieve", responses=NeedOutputSerializer)
    def get(self, request: Request, reference: str) -> Response:
        return Response(NeedOutputSerializer(_own_need(request, reference)).data)

    @extend_schema(
        operation_id="needs_partial_update", request=NeedUpdateInputSerializer, responses=NeedOutputSerializer
    )
    def patch(self, request: Request, reference: str) -> Response:
        need = _own_need(request, reference)
        serializer = self.NeedUpdateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        need = need_update(need=need, by=request.user, **_need_fields(serializer.validated_data, need.resident))
        return Response(NeedOutputSerializer(need).data)


class NeedPostApi(APIView):
    """Send a draft need (for example one started on the web): draft -> open."""

    permission_classes = NEED_PERMISSIONS

    @extend_schema(operation_id="needs_post", request=None, responses=NeedOutputSerializer)
    def post(self, request: Request, reference: str) -> Response:
        need = need_post(need=_own_need(request, reference), by=request.user)
        return Response(NeedOutputSerializer(need).data)


class NeedCancelApi(APIView):
    """Cancel a need that is a draft, waiting for a match or has a proposed provider."""

    permission_classes = NEED_PERMISSIONS

    class NeedCancelInputSerializer(serializers.Serializer):
        reason = serializers.CharField(allow_blank=True, required=False, default="")

    @extend_schema(operation_id="needs_cancel", request=NeedCancelInputSerializer, responses=NeedOutputSerializer)
    def post(self, request: Request, reference: str) -> Response:
        need = _own_need(request, reference)
        serializer = self.NeedCancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        need = need_cancel(need=need, reason=serializer.validated_data["reason"], by=request.user)
        return Response(NeedOutputSerializer(need).data)


class ResidentCouncilSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class ResidentOutputSerializer(serializers.Serializer):
    full_name = serializers.CharField(source="user.full_name")
    email = serializers.EmailField(source="user.email")
    preferred_name = serializers.CharField()
    address_line_1 = serializers.CharField()
    address_line_2 = serializers.CharField()
    town = serializers.CharField()
    postcode = serializers.CharField()
    district = serializers.CharField()
    council = ResidentCouncilSerializer()
    phone = serializers.CharField()
    contact_preference = serializers.ChoiceField(choices=ContactPreference.choices)
    language = serializers.CharField()
    accessibility_needs = serializers.CharField()
    vulnerability_notes = serializers.CharField()
    consent_share_details = serializers.BooleanField()
    consent_given_at = serializers.DateTimeField(allow_null=True)


class ResidentMeApi(APIView):
    """Your resident profile. PUT creates or replaces it; the postcode sets your council."""

    permission_classes = PERMISSIONS

    class ResidentSaveInputSerializer(serializers.Serializer):
        full_name = serializers.CharField(allow_blank=True, required=False, default="")
        preferred_name = serializers.CharField(allow_blank=True, required=False, default="")
        address_line_1 = serializers.CharField(allow_blank=True, required=False, default="")
        address_line_2 = serializers.CharField(allow_blank=True, required=False, default="")
        town = serializers.CharField(allow_blank=True, required=False, default="")
        postcode = serializers.CharField(allow_blank=True, required=False, default="")
        phone = serializers.CharField(allow_blank=True, required=False, default="")
        contact_preference = serializers.ChoiceField(
            choices=ContactPreference.choices, required=False, default=ContactPreference.EMAIL
        )
        language = serializers.CharField(allow_blank=True, required=False, default="English")
        accessibility_needs = serializers.CharField(allow_blank=True, required=False, default="")
        vulnerability_notes = serializers.CharField(allow_blank=True, required=False, default="")
        consent_share_details = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        operation_id="residents_me_retrieve",
        responses={200: ResidentOutputSerializer, 404: OpenApiResponse(description="No profile yet.")},
    )
    def get(self, request: Request) -> Response:
        resident = resident_for_user(user=request.user)
        if resident is None:
            raise exceptions.NotFound("You have no resident profile yet.")
        return Response(ResidentOutputSerializer(resident).data)

    @extend_schema(
        operation_id="residents_me_update", request=ResidentSaveInputSerializer, responses=ResidentOutputSerializer
    )
    def put(self, request: Request) -> Response:
        serializer = self.ResidentSaveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        resident = resident_save(user=request.user, **serializer.validated_data)
        return Response(ResidentOutputSerializer(resident).data)
