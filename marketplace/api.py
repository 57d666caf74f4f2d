"""API: parties raise safeguarding concerns and report content; officers read
the console's queues (IsCouncilOfficer; the middleware also demands TOTP)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from matching import selectors as match_selectors
from matching.models import Exclusion
from matching.services.exclusions import exclusion_add_by_officer
from platform_core.api import KeysetPagination
from platform_core.disclosure import person_read, purpose_set
from platform_core.http import found_or_404
from platform_core.permissions import IsCouncilOfficer
from providers.models import VerificationEvidence
from residents.referrals import services as referral_services

from . import selectors
from .models import SafeguardingConcern, TargetType
from .selectors import people as people_selectors
from .services import moderation, people, safeguarding


class ConcernOwnOutputSerializer(serializers.Serializer):
    """What the person who raised a concern sees of it: not the officers' log."""

    id = serializers.IntegerField()
    match = serializers.IntegerField(source="match_id", allow_null=True)
    description = serializers.CharField()
    status = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ConcernOwn"

    def get_status(self, concern: SafeguardingConcern) -> str:
        return "closed" if concern.status == SafeguardingConcern.Status.CLOSED else "open"


class ConcernListCreateApi(ListAPIView):
    """Concerns you raised (GET); raise one about a match you are party to (POST)."""

    pagination_class = KeysetPagination
    permission_classes = [IsAuthenticated]
    serializer_class = ConcernOwnOutputSerializer

    class InputSerializer(serializers.Serializer):
        match = serializers.IntegerField()
        description = serializers.CharField(max_length=4000)

        class Meta:
            ref_name = "ConcernRaiseInput"

    def get_queryset(self):
        return selectors.concern_list_for_user(user=self.request.user)

    @extend_schema(
        request=InputSerializer,
        responses={201: ConcernOwnOutputSerializer, 404: OpenApiResponse(description="No such match of yours.")},
        summary="Raise a concern",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        match = found_or_404(match_selectors.match_get_for_user(user=request.user, pk=data.validated_data["match"]))
        concern = safeguarding.concern_raise(
            user=request.user, match=match, description=data.validated_data["description"], request=request
        )
        return Response(ConcernOwnOutputSerializer(concern).data, status=status.HTTP_201_CREATED)


class ConcernDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ConcernOwnOutputSerializer, summary="A concern you raised")
    def get(self, request: Request, pk: int) -> Response:
        concern = found_or_404(selectors.concern_get_for_user(user=request.user, pk=pk))
        return Response(ConcernOwnOutputSerializer(concern).data)


class ReportCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        target_type = serializers.ChoiceField(choices=TargetType.choices)
        target_id = serializers.IntegerField(min_value=1)
        reason = serializers.CharField(max_length=1000)

        class Meta:
            ref_name = "ReportInput"

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        status = serializers.CharField()

        class Meta:
            ref_name = "ReportOutput"

    @extend_schema(
        request=InputSerializer, responses={201: OutputSerializer}, summary="Report a need, offer or provider"
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = moderation.report_create(reporter=request.user, **data.validated_data)
        return Response(self.OutputSerializer(report).data, status=status.HTTP_201_CREATED)


# --- Console (officers) -------------------------------------------------------------------------


class EvidenceQueueOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.IntegerField(source="provider_id")
    provider_name = serializers.CharField(source="provider.name")
    kind = serializers.CharField()
    reference = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True)
    submitted_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ConsoleEvidence"


class EvidenceQueueApi(ListAPIView):
    """Evidence waiting for the council, oldest first."""

    pagination_class = KeysetPagination
    permission_classes = [IsCouncilOfficer]
    serializer_class = EvidenceQueueOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no officer
            return VerificationEvidence.objects.none()
        return selectors.evidence_list_waiting(officer=self.request.user)


class FlagSerializer(serializers.Serializer):
    cause = serializers.CharField()
    detail = serializers.CharField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ConsoleFlag"


class ModerationQueueApi(APIView):
    permission_classes = [IsCouncilOfficer]

    class OutputSerializer(serializers.Serializer):
        target_type = serializers.CharField()
        target_id = serializers.IntegerField(source="target.pk")
        status = serializers.CharField(source="target.status")
        pending_review = serializers.BooleanField()
        flags = FlagSerializer(many=True)

        class Meta:
            ref_name = "ConsoleModerationItem"

    @extend_schema(responses=OutputSerializer(many=True), summary="The moderation queue")
    def get(self, request: Request) -> Response:
        items = selectors.moderation_queue(officer=request.user)
        return Response(self.OutputSerializer(items, many=True).data)

    @extend_schema(
        request=None,
        responses=OutputSerializer(many=True),
        summary="Run the automatic check now, then return the queue",
        description="The check also runs every 5 minutes; reading the queue (GET) never runs it.",
    )
    def post(self, request: Request) -> Response:
        moderation.moderation_scan(council=request.user.council, officer=request.user)
        return self.get(request)


class ConcernConsoleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    match = serializers.IntegerField(source="match_id", allow_null=True)
    provider = serializers.IntegerField(source="provider_id", allow_null=True)
    raised_as = serializers.CharField()
    description = serializers.CharField()
    status = serializers.CharField()
    risk = serializers.CharField()
    outcome = serializers.CharField()
    escalated_at = serializers.DateTimeField(allow_null=True)
    provider_paused_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ConsoleConcern"


class ConcernQueueApi(ListAPIView):
    pagination_class = KeysetPagination
    permission_classes = [IsCouncilOfficer]
    serializer_class = ConcernConsoleOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no officer
            return SafeguardingConcern.objects.none()
        return selectors.concern_list_for_officer(officer=self.request.user, status=self.request.GET.get("status", ""))


class ConcernConsoleDetailApi(APIView):
    permission_classes = [IsCouncilOfficer]

    @extend_schema(responses=ConcernConsoleOutputSerializer, summary="One safeguarding concern (officers)")
    def get(self, request: Request, pk: int) -> Response:
        return Response(
            ConcernConsoleOutputSerializer(
                found_or_404(selectors.concern_get_for_officer(officer=request.user, pk=pk))
            ).data
        )


# --- A resident's exclusions, for an officer (issue 9) ------------------------------------------


class ExclusionConsoleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.IntegerField(source="provider_id")
    provider_name = serializers.CharField(source="provider.name")
    source = serializers.ChoiceField(choices=Exclusion.Source.choices)
    reason = serializers.CharField(help_text="An officer's reason (empty when the resident added it).")
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ExclusionConsole"


class ResidentExclusionsConsoleApi(APIView):
    """A resident's exclusions (GET, with your reason: the read is audited, ADR 0015),
    or keep a provider away from them on their behalf (POST, with a reason, audited).
    The provider is never told."""

    permission_classes = [IsCouncilOfficer]

    class InputSerializer(serializers.Serializer):
        provider = serializers.IntegerField(help_text="A provider of your council.")
        reason = serializers.CharField(max_length=500)

        class Meta:
            ref_name = "ExclusionConsoleInput"

    def _resident(self, request: Request, pk: int):
        return found_or_404(people_selectors.resident_get(officer=request.user, pk=pk), "No such resident.")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "reason", str, required=True, description="Why you need to see them (recorded in the audit log)."
            )
        ],
        responses={200: ExclusionConsoleOutputSerializer(many=True), 400: OpenApiResponse(description="No reason.")},
        summary="A resident's exclusions (officers, audited)",
    )
    def get(self, request: Request, pk: int) -> Response:
        resident = self._resident(request, pk)
        reason = people.resident_view_reason(
            officer=request.user, resident=resident, reason=request.query_params.get("reason", "")
        )
        rows = list(match_selectors.exclusion_list_for_officer(officer=request.user, resident_id=resident.pk))
        purpose_set(request, f"Exclusions of resident {resident.pk}: {reason}")
        person_read(resident.user_id, "matching.Exclusion")
        return Response(ExclusionConsoleOutputSerializer(rows, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={201: ExclusionConsoleOutputSerializer},
        summary="Exclude a provider for a resident, with a reason (officers, audited)",
    )
    def post(self, request: Request, pk: int) -> Response:
        resident = self._resident(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        provider = (
            people_selectors.providers_for_exclusion(officer=request.user)
            .filter(pk=data.validated_data["provider"])
            .first()
        )
        if provider is None:
            raise serializers.ValidationError({"provider": ["Choose a provider of this council"]})
        exclusion = exclusion_add_by_officer(
            officer=request.user, resident=resident, provider=provider, reason=data.validated_data["reason"]
        )
        return Response(ExclusionConsoleOutputSerializer(exclusion).data, status=status.HTTP_201_CREATED)


# --- The phone line: start acting for a caller (assisted digital, ADR 0021) -----------------------


class AssistStartConsoleApi(APIView):
    """Start acting for a resident of your council who called (2 hours): the reason is
    recorded now and on every page and change made for them meanwhile. Then use the
    referrers' API (`referrals/residents/{id}/`), `needs/` with `resident`, and the
    match endpoints for them, as their referrer would."""

    permission_classes = [IsCouncilOfficer]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

        class Meta:
            ref_name = "AssistStartInput"

    class OutputSerializer(serializers.Serializer):
        resident = serializers.IntegerField(source="resident_id")
        reason = serializers.CharField()
        started_at = serializers.DateTimeField()
        ends_at = serializers.DateTimeField()

        class Meta:
            ref_name = "AssistedAccess"

    @extend_schema(
        request=InputSerializer,
        responses={201: OutputSerializer},
        summary="Start acting for a resident who called (officers, audited)",
    )
    def post(self, request: Request, pk: int) -> Response:
        resident = found_or_404(people_selectors.resident_get(officer=request.user, pk=pk), "No such resident.")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        access = referral_services.assist_start(
            officer=request.user, resident=resident, reason=data.validated_data["reason"], request=request
        )
        return Response(self.OutputSerializer(access).data, status=status.HTTP_201_CREATED)
