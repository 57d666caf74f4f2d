"""Ongoing help over the API: the same selectors and services as the pages (ADR 0018).

A visit or an arrangement of someone else's match is 404, whoever asks; a rule
broken in a service comes back as a 400 in the common error format.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from matching.models import Arrangement, Visit
from matching.permissions import is_provider_side, is_resident_side
from matching.selectors import visits as visit_selectors
from matching.services import visits as visit_services
from platform_core.api import KeysetPagination, SlotsField
from platform_core.http import found_or_404


class VisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    slot = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Visit.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    reason = serializers.CharField()
    cancelled_by = serializers.CharField()
    minutes_spent = serializers.IntegerField(allow_null=True)
    recorded_at = serializers.DateTimeField(allow_null=True)
    disputed_at = serializers.DateTimeField(allow_null=True)
    dispute_reason = serializers.CharField()


class ArrangementSerializer(serializers.Serializer):
    match = serializers.IntegerField(source="match_id")
    slots = SlotsField()
    every_weeks = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    visit_count = serializers.IntegerField(allow_null=True)
    paused_from = serializers.DateField(allow_null=True)
    paused_until = serializers.DateField(allow_null=True)
    ended_on = serializers.DateField(allow_null=True)


def _arrangement_or_404(request: Request, pk: int) -> Arrangement:
    return found_or_404(visit_selectors.arrangement_get_for_user(user=request.user, match_pk=pk), "No such visits.")


def _visit_or_404(request: Request, pk: int) -> Visit:
    return found_or_404(visit_selectors.visit_get_for_user(user=request.user, pk=pk), "No such visit.")


class VisitListApi(GenericAPIView):
    """The visits of one of your matches (ongoing help), in time order, a page at a time."""

    serializer_class = VisitSerializer
    queryset = Visit.objects.none()
    # A weekly arrangement adds a visit a week: keyset pages in time order (index match, starts_at).
    pagination_class = KeysetPagination

    @extend_schema(operation_id="match_visits_list", responses=VisitSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        arrangement = _arrangement_or_404(request, pk)
        visits = visit_selectors.visit_list_for_match(match=arrangement.match, user=request.user)
        page = self.paginate_queryset(visits)
        return self.get_paginated_response(VisitSerializer(page, many=True).data)


def _act_on_visit(request: Request, pk: int, *, side, refusal: str, data: serializers.Serializer, act) -> Response:
    """One side of a visit's match acts on it: someone else's visit is 404, the other side's
    action 403 with `refusal`, bad input 400; `act` is the service, given the validated input."""
    visit = _visit_or_404(request, pk)
    if not side(match=visit.match, user=request.user):
        raise PermissionDenied(refusal)
    data.is_valid(raise_exception=True)
    visit = act(visit=visit, user=request.user, **data.validated_data)
    return Response(VisitSerializer(visit).data)


class VisitRecordApi(APIView):
    class InputSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=[Visit.Status.DONE, Visit.Status.MISSED, Visit.Status.CANCELLED])
        reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
        minutes = serializers.IntegerField(required=False, allow_null=True, default=None)

        class Meta:
            ref_name = "VisitRecordInput"

    @extend_schema(
        operation_id="visits_record",
        request=InputSerializer,
        responses=VisitSerializer,
        summary="Say how a visit went: done (minutes, required for a paid offer), missed or cancelled (provider)",
    )
    def post(self, request: Request, pk: int) -> Response:
        return _act_on_visit(
            request,
            pk,
            side=is_provider_side,
            refusal="Only the provider records a visit.",
            data=self.InputSerializer(data=request.data),
            act=visit_services.visit_record,
        )


class VisitDisputeApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

        class Meta:
            ref_name = "VisitDisputeInput"

    @extend_schema(
        operation_id="visits_dispute",
        request=InputSerializer,
        responses=VisitSerializer,
        summary="Say a visit did not happen (resident)",
    )
    def post(self, request: Request, pk: int) -> Response:
        return _act_on_visit(
            request,
            pk,
            side=is_resident_side,
            refusal="Only the resident can say a visit did not happen.",
            data=self.InputSerializer(data=request.data),
            act=visit_services.visit_dispute,
        )


class ArrangementPauseApi(APIView):
    class InputSerializer(serializers.Serializer):
        starts_on = serializers.DateField()
        ends_on = serializers.DateField()
        reason = serializers.CharField(max_length=500)

        class Meta:
            ref_name = "ArrangementPauseInput"

    @extend_schema(
        operation_id="match_visits_pause",
        request=InputSerializer,
        responses=ArrangementSerializer,
        summary="Pause the visits from one day to another (either side; a provider gives the council's notice)",
    )
    def post(self, request: Request, pk: int) -> Response:
        arrangement = _arrangement_or_404(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        arrangement = visit_services.arrangement_pause(
            arrangement=arrangement, user=request.user, **data.validated_data
        )
        return Response(ArrangementSerializer(arrangement).data)


class ArrangementEndApi(APIView):
    class InputSerializer(serializers.Serializer):
        last_day = serializers.DateField()
        reason = serializers.CharField(max_length=500)

        class Meta:
            ref_name = "ArrangementEndInput"

    @extend_schema(
        operation_id="match_visits_end",
        request=InputSerializer,
        responses=ArrangementSerializer,
        summary="End the visits after a last day (either side; a provider gives the council's notice)",
    )
    def post(self, request: Request, pk: int) -> Response:
        arrangement = _arrangement_or_404(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        arrangement = visit_services.arrangement_end(arrangement=arrangement, user=request.user, **data.validated_data)
        return Response(ArrangementSerializer(arrangement).data)
