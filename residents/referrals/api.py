"""The referrers' API: the same services and selectors as their pages.

A referrer asks to refer residents (`referrers/`), creates a resident with
their consent (`referrals/residents/`), follows them (`referrals/residents/{id}/`)
and sends them a code to claim their account. Needs are posted and managed
through the residents' own API (`POST needs/` with `resident`, then
`needs/{reference}/...`), so the rules are the same. Someone else's resident
is 404 (ADR 0021). An officer on the phone line uses the same endpoints for the
residents of their council they are assisting (started from the console, with a
reason), only with a session or token that passed the second factor; what they
change is audited with that reason.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from platform_core.disclosure import purpose_set
from platform_core.models import Council
from platform_core.permissions import TWO_FACTOR_REQUIRED, request_passed_two_factor

from ..models import ClaimCode, ConsentRecord, ContactPreference, Need, Referrer, Resident, is_placeholder_email
from ..selectors import resident_get_managed_by
from . import selectors, services


class OfficerWithTwoFactor(IsAuthenticated):
    """Referrers, and officers whose session or token passed the second factor (the
    phone line, ADR 0021): without it an officer acts for nobody."""

    message = TWO_FACTOR_REQUIRED

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return not request.user.is_officer or request_passed_two_factor(request)


PERMISSIONS = [OfficerWithTwoFactor]


class ReferrerOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    council = serializers.CharField(source="council.slug", help_text="The council's slug.")
    organisation = serializers.CharField()
    role = serializers.CharField()
    phone = serializers.CharField()
    status = serializers.ChoiceField(choices=Referrer.Status.choices)
    decision_reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class ReferrerListCreateApi(APIView):
    """Your requests to refer residents, or ask a council to let you refer residents."""

    permission_classes = PERMISSIONS

    class ReferrerApplyInputSerializer(serializers.Serializer):
        council = serializers.SlugField(help_text="The council's slug.")
        organisation = serializers.CharField(allow_blank=True, max_length=1000)
        role = serializers.CharField(allow_blank=True, max_length=1000)
        phone = serializers.CharField(allow_blank=True, max_length=100)

    @extend_schema(operation_id="referrers_list", responses=ReferrerOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(ReferrerOutputSerializer(selectors.referrer_list_for(user=request.user), many=True).data)

    @extend_schema(
        operation_id="referrers_create", request=ReferrerApplyInputSerializer, responses={201: ReferrerOutputSerializer}
    )
    def post(self, request: Request) -> Response:
        serializer = self.ReferrerApplyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        council = Council.objects.filter(slug=data.pop("council")).first()
        if council is None:
            raise exceptions.ValidationError({"council": ["Select a council"]})
        referrer = services.referrer_apply(user=request.user, council=council, **data)
        return Response(ReferrerOutputSerializer(referrer).data, status=status.HTTP_201_CREATED)


class ReferredNeedSerializer(serializers.Serializer):
    reference = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Need.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    created_at = serializers.DateTimeField()


class ConsentSerializer(serializers.Serializer):
    given_by = serializers.CharField(max_length=1000)
    agreed_to = serializers.CharField(max_length=5000)
    given_on = serializers.DateField()
    method = serializers.ChoiceField(choices=ConsentRecord.Method.choices)


class ReferredResidentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField(source="user.full_name")
    preferred_name = serializers.CharField()
    address_line_1 = serializers.CharField()
    address_line_2 = serializers.CharField()
    town = serializers.CharField()
    postcode = serializers.CharField()
    phone = serializers.CharField()
    contact_preference = serializers.ChoiceField(choices=ContactPreference.choices)
    accessibility_needs = serializers.CharField()
    claimed = serializers.SerializerMethodField()
    needs = ReferredNeedSerializer(many=True, source="needs.all")
    created_at = serializers.DateTimeField()

    def get_claimed(self, resident: Resident) -> bool:
        return not is_placeholder_email(resident.user.email)


class ReferredResidentListCreateApi(APIView):
    """The residents you referred, each with their requests' progress; or refer someone.
    Creating needs a whole consent record: without it nothing is saved."""

    permission_classes = PERMISSIONS

    class ReferredResidentInputSerializer(serializers.Serializer):
        full_name = serializers.CharField(allow_blank=True, max_length=1000)
        address_line_1 = serializers.CharField(allow_blank=True, max_length=1000)
        address_line_2 = serializers.CharField(allow_blank=True, required=False, default="", max_length=1000)
        town = serializers.CharField(allow_blank=True, required=False, default="", max_length=1000)
        postcode = serializers.CharField(allow_blank=True, max_length=100)
        phone = serializers.CharField(allow_blank=True, required=False, default="", max_length=100)
        contact_preference = serializers.ChoiceField(
            choices=ContactPreference.choices, required=False, default=ContactPreference.PHONE
        )
        accessibility_needs = serializers.CharField(allow_blank=True, required=False, default="", max_length=5000)
        consent = ConsentSerializer()
        reason = serializers.CharField(
            allow_blank=True,
            required=False,
            default="",
            max_length=1000,
            help_text="Officers only (required for them): why you are creating this resident, for the audit log.",
        )

    @extend_schema(operation_id="referrals_residents_list", responses=ReferredResidentOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        residents = selectors.referred_resident_list_for(user=request.user)[:200]
        if request.user.is_officer:
            purpose_set(request, "Assisted digital: the residents this officer is acting for")
        return Response(ReferredResidentOutputSerializer(residents, many=True).data)

    @extend_schema(
        operation_id="referrals_residents_create",
        request=ReferredResidentInputSerializer,
        responses={201: ReferredResidentOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = self.ReferredResidentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if request.user.is_officer:
            purpose_set(request, "Assisted digital: creating a resident for a caller")
        resident = services.referred_resident_create(by=request.user, request=request, **serializer.validated_data)
        return Response(ReferredResidentOutputSerializer(resident).data, status=status.HTTP_201_CREATED)


def _resident_or_404(request: Request, pk: int) -> Resident:
    resident = resident_get_managed_by(user=request.user, pk=pk)
    if resident is None:
        raise exceptions.NotFound("No such resident.")
    if request.user.is_officer:
        access = services.assisted_access_for(officer=request.user, resident=resident)
        purpose_set(request, f"Assisted digital for resident {resident.pk}: {access.reason if access else ''}")
    return resident


class ReferredResidentDetailApi(APIView):
    """One resident you referred, with their requests' progress."""

    permission_classes = PERMISSIONS

    @extend_schema(operation_id="referrals_residents_retrieve", responses=ReferredResidentOutputSerializer)
    def get(self, request: Request, id: int) -> Response:
        return Response(ReferredResidentOutputSerializer(_resident_or_404(request, id)).data)


class ClaimCodeApi(APIView):
    """Send the resident a one-time code (by text to their mobile, or by e-mail)
    that lets them take over their account. At most 3 a day; a new one stops the last."""

    permission_classes = PERMISSIONS

    class ClaimCodeInputSerializer(serializers.Serializer):
        channel = serializers.ChoiceField(choices=ClaimCode.Channel.choices)
        email = serializers.CharField(allow_blank=True, required=False, default="", max_length=254)

    class ClaimCodeOutputSerializer(serializers.Serializer):
        channel = serializers.CharField()
        expires_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="referrals_residents_claim_code",
        request=ClaimCodeInputSerializer,
        responses={201: ClaimCodeOutputSerializer},
    )
    def post(self, request: Request, id: int) -> Response:
        resident = _resident_or_404(request, id)
        serializer = self.ClaimCodeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = services.claim_code_issue(by=request.user, resident=resident, **serializer.validated_data)
        return Response(self.ClaimCodeOutputSerializer(claim).data, status=status.HTTP_201_CREATED)
