"""The providers' API: the same services and selectors as the pages.

Serializers only parse types; every rule (evidence formats, clearance per
category, price caps, the council's distance limit, capacity in use, the last
owner) lives in providers.services, whose ValidationErrors come back in the
common format {"error": {"code", "message", "fields"}}. Objects of providers the
caller is not a member of are 404, as on the web.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from platform_core.api import KeysetPagination, SlotsField
from platform_core.models import Preference, ServiceCategory
from providers import selectors, services
from providers.models import Offer, Provider, ProviderMember, VerificationEvidence
from providers.services.offers import MAX_LANGUAGES

# An offer's categories: far above any council's list, far below a flood of lookups.
MAX_CATEGORIES = 50


def _provider(request: Request, pk: int) -> Provider:
    provider = selectors.provider_get_for_user(user=request.user, pk=pk)
    if provider is None:
        raise NotFound
    return provider


def _offer(request: Request, pk: int) -> Offer:
    offer = selectors.offer_get_for_user(user=request.user, pk=pk)
    if offer is None:
        raise NotFound
    return offer


@extend_schema_serializer(component_name="Provider")
class ProviderOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Provider.Kind.choices)
    name = serializers.CharField()
    description = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.CharField()
    website = serializers.CharField()
    postcode = serializers.CharField()
    council = serializers.IntegerField(source="council_id")
    verification_status = serializers.ChoiceField(choices=Provider.Verification.choices)
    clearance = serializers.CharField(help_text="Highest safeguarding tier cleared; blank until verified.")
    is_suspended = serializers.BooleanField()
    suspended_reason = serializers.CharField()
    rating_average = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    rating_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ProviderListCreateApi(generics.GenericAPIView):
    """The providers I am a member of; register a new one (I become its owner)."""

    @extend_schema_serializer(component_name="ProviderRegisterInput")
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Provider.Kind.choices)
        name = serializers.CharField(max_length=200)
        description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
        email = serializers.EmailField()
        phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
        website = serializers.URLField(required=False, allow_blank=True, default="")
        postcode = serializers.CharField(max_length=10, help_text="Base postcode; decides the council.")

    OutputSerializer = ProviderOutputSerializer
    serializer_class = ProviderOutputSerializer

    def get_queryset(self):
        return selectors.provider_list_for_user(user=self.request.user).order_by("name", "id")

    @extend_schema(operation_id="providers_list", responses=ProviderOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.OutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="providers_register", request=InputSerializer, responses={201: ProviderOutputSerializer}
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        provider = services.provider_register(user=request.user, **data.validated_data)
        return Response(self.OutputSerializer(provider).data, status=status.HTTP_201_CREATED)


class ProviderDetailApi(generics.GenericAPIView):
    """One of my providers; owners may change its details."""

    @extend_schema_serializer(component_name="ProviderUpdateInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False)
        description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
        email = serializers.EmailField(required=False)
        phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
        website = serializers.URLField(required=False, allow_blank=True)
        postcode = serializers.CharField(max_length=10, required=False)

    OutputSerializer = ProviderOutputSerializer
    serializer_class = ProviderOutputSerializer

    @extend_schema(operation_id="providers_retrieve", responses=ProviderOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(self.OutputSerializer(_provider(request, pk)).data)

    @extend_schema(operation_id="providers_update", request=InputSerializer, responses=ProviderOutputSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        provider = _provider(request, pk)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        provider = services.provider_update(provider=provider, user=request.user, **data.validated_data)
        return Response(self.OutputSerializer(provider).data)


@extend_schema_serializer(component_name="ProviderMemberChecks")
class MemberChecksSerializer(serializers.Serializer):
    """The checks the council holds for a member today (ADR 0023)."""

    dbs_level = serializers.CharField(
        allow_null=True, help_text="Best live DBS level; empty: sent before levels were asked; null: none."
    )
    id_checked = serializers.BooleanField()
    dbs_clears = serializers.BooleanField(
        help_text="Holds a live enhanced check: can be named to attend help at the DBS tier."
    )


@extend_schema_serializer(component_name="ProviderMember")
class MemberOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.display_name")
    role = serializers.ChoiceField(choices=ProviderMember.Role.choices)
    joined_at = serializers.DateTimeField()
    checks = serializers.SerializerMethodField()

    @extend_schema_field(MemberChecksSerializer(allow_null=True))
    def get_checks(self, member: ProviderMember) -> dict | None:
        checks = self.context.get("checks", {}).get(member.pk)
        return MemberChecksSerializer(checks).data if checks is not None else None


class ProviderMemberListApi(generics.GenericAPIView):
    """Members of one of my providers; owners invite colleagues by e-mail."""

    pagination_class = KeysetPagination

    @extend_schema_serializer(component_name="ProviderInvitationInput")
    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()

    @extend_schema_serializer(component_name="ProviderInvitation")
    class InvitationOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        created_at = serializers.DateTimeField()

    OutputSerializer = MemberOutputSerializer
    serializer_class = MemberOutputSerializer
    queryset = ProviderMember.objects.none()  # for the schema; rows come from selectors

    @extend_schema(operation_id="providers_members_list", responses=MemberOutputSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        provider = _provider(request, pk)
        page = self.paginate_queryset(selectors.member_list_for_provider(provider=provider)) or []
        context = {"checks": selectors.member_checks_for(members=page)}
        return self.get_paginated_response(self.OutputSerializer(page, many=True, context=context).data)

    @extend_schema(
        operation_id="providers_members_invite",
        request=InputSerializer,
        responses={201: InvitationOutputSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        provider = _provider(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            provider=provider, user=request.user, email=data.validated_data["email"]
        )
        return Response(self.InvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED)


class ProviderMemberDeleteApi(generics.GenericAPIView):
    """Leave (your own membership) or, as an owner, remove a member. The last owner cannot go."""

    serializer_class = MemberOutputSerializer

    @extend_schema(operation_id="providers_members_remove", responses={204: OpenApiResponse(description="Removed")})
    def delete(self, request: Request, pk: int, member_pk: int) -> Response:
        provider = _provider(request, pk)
        member = selectors.member_get_for_user(user=request.user, provider=provider, pk=member_pk)
        if member is None:
            raise NotFound
        services.member_remove(member=member, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_serializer(component_name="VerificationEvidence")
class EvidenceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=VerificationEvidence.Kind.choices)
    member = serializers.IntegerField(
        source="member_id", allow_null=True, help_text="Person evidence: the member it is about."
    )
    dbs_level = serializers.CharField(help_text="A DBS certificate's level; empty if sent before levels were asked.")
    reference = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True)
    update_service_consent = serializers.BooleanField()
    status = serializers.ChoiceField(choices=VerificationEvidence.Status.choices)
    decision_reason = serializers.CharField(help_text="Why the council rejected it, if it did.")
    submitted_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)


class ProviderEvidenceListApi(generics.GenericAPIView):
    """Evidence sent for one of my providers; send more."""

    pagination_class = KeysetPagination

    @extend_schema_serializer(component_name="VerificationEvidenceInput")
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=VerificationEvidence.Kind.choices)
        member = serializers.IntegerField(
            required=False,
            allow_null=True,
            default=None,
            help_text="DBS or identity check: the member it is about (not needed when the provider has one member).",
        )
        dbs_level = serializers.ChoiceField(
            choices=VerificationEvidence.DbsLevel.choices, required=False, allow_blank=True, default=""
        )
        reference = serializers.CharField(max_length=40)
        issued_on = serializers.DateField(required=False, allow_null=True, default=None)
        expires_on = serializers.DateField(required=False, allow_null=True, default=None)
        update_service_consent = serializers.BooleanField(required=False, default=False)

    OutputSerializer = EvidenceOutputSerializer
    serializer_class = EvidenceOutputSerializer
    queryset = VerificationEvidence.objects.none()  # for the schema; rows come from selectors

    @extend_schema(operation_id="providers_evidence_list", responses=EvidenceOutputSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        provider = _provider(request, pk)
        page = self.paginate_queryset(selectors.evidence_list_for_provider(provider=provider))
        return self.get_paginated_response(self.OutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="providers_evidence_submit", request=InputSerializer, responses={201: EvidenceOutputSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        provider = _provider(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        member_id = fields.pop("member")
        member = None
        if member_id is not None:
            member = selectors.member_get_for_user(user=request.user, provider=provider, pk=member_id)
            if member is None:
                raise ValidationError({"member": "Choose a member of this provider"})
        evidence = services.evidence_submit(provider=provider, user=request.user, member=member, **fields)
        return Response(self.OutputSerializer(evidence).data, status=status.HTTP_201_CREATED)


@extend_schema_serializer(component_name="OfferCategory")
class OfferCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    safeguarding_tier = serializers.CharField()


@extend_schema_serializer(component_name="Offer")
class OfferOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.IntegerField(source="provider_id")
    title = serializers.CharField()
    description = serializers.CharField()
    categories = OfferCategorySerializer(many=True, source="categories.all")
    capacity = serializers.IntegerField()
    capacity_left = serializers.IntegerField()
    capacity_in_use = serializers.IntegerField()
    postcode = serializers.CharField()
    radius_km = serializers.DecimalField(max_digits=5, decimal_places=1)
    weekly_slots = SlotsField()
    languages = serializers.ListField(child=serializers.CharField())
    preferences_met = serializers.ListField(child=serializers.ChoiceField(choices=Preference.choices))
    cost_type = serializers.ChoiceField(choices=Offer.CostType.choices)
    price_pence = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Offer.Status.choices)
    status_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class OfferFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Offer.Status.choices)
    category = django_filters.ModelChoiceFilter(
        field_name="categories", queryset=ServiceCategory.objects.all(), distinct=True, label="Category id"
    )
    provider = django_filters.NumberFilter(field_name="provider_id")

    class Meta:
        model = Offer
        fields = ["status", "category", "provider"]


class _OfferTermsSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000)
    categories = serializers.ListField(
        child=serializers.PrimaryKeyRelatedField(queryset=ServiceCategory.objects.all()), max_length=MAX_CATEGORIES
    )
    capacity = serializers.IntegerField(min_value=1)
    postcode = serializers.CharField(max_length=10, required=False, help_text="Defaults to the provider's postcode.")
    radius_km = serializers.DecimalField(max_digits=5, decimal_places=1)
    weekly_slots = SlotsField(required=False, default=list)
    languages = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=MAX_LANGUAGES
    )
    preferences_met = serializers.ListField(
        child=serializers.ChoiceField(choices=Preference.choices),
        required=False,
        default=list,
        max_length=len(Preference.choices),
    )
    cost_type = serializers.ChoiceField(choices=Offer.CostType.choices, default=Offer.CostType.FREE)
    price_pence = serializers.IntegerField(min_value=0, required=False, default=0)


class OfferListCreateApi(generics.GenericAPIView):
    """Offers of my providers (filter by status, category, provider); post a new one."""

    pagination_class = KeysetPagination

    @extend_schema_serializer(component_name="OfferCreateInput")
    class InputSerializer(_OfferTermsSerializer):
        provider = serializers.IntegerField(help_text="Id of one of your providers.")

    OutputSerializer = OfferOutputSerializer
    serializer_class = OfferOutputSerializer
    filterset_class = OfferFilter

    def get_queryset(self):
        return selectors.offer_list_for_user(user=self.request.user)

    @extend_schema(operation_id="offers_list", responses=OfferOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.OutputSerializer(page, many=True).data)

    @extend_schema(operation_id="offers_create", request=InputSerializer, responses={201: OfferOutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        terms = dict(data.validated_data)
        provider = selectors.provider_get_for_user(user=request.user, pk=terms.pop("provider"))
        if provider is None:
            raise serializers.ValidationError({"provider": ["Choose one of your providers."]})
        offer = services.offer_create(provider=provider, user=request.user, **terms)
        return Response(self.OutputSerializer(offer).data, status=status.HTTP_201_CREATED)


class OfferDetailApi(generics.GenericAPIView):
    @extend_schema_serializer(component_name="OfferUpdateInput")
    class InputSerializer(_OfferTermsSerializer):
        pass

    OutputSerializer = OfferOutputSerializer
    serializer_class = OfferOutputSerializer

    @extend_schema(operation_id="offers_retrieve", responses=OfferOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(self.OutputSerializer(_offer(request, pk)).data)

    @extend_schema(operation_id="offers_update", request=InputSerializer, responses=OfferOutputSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        offer = _offer(request, pk)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {k: v for k, v in data.validated_data.items() if k in request.data}
        offer = services.offer_update(offer=offer, user=request.user, **changes)
        return Response(self.OutputSerializer(offer).data)


class _OfferActionApi(generics.GenericAPIView):
    serializer_class = OfferOutputSerializer

    def _act(self, service, request: Request, pk: int) -> Response:
        offer = service(offer=_offer(request, pk), user=request.user)
        return Response(OfferOutputSerializer(offer).data)


class OfferPauseApi(_OfferActionApi):
    @extend_schema(operation_id="offers_pause", request=None, responses=OfferOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return self._act(services.offer_pause, request, pk)


class OfferResumeApi(_OfferActionApi):
    @extend_schema(operation_id="offers_resume", request=None, responses=OfferOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return self._act(services.offer_resume, request, pk)


class OfferCloseApi(_OfferActionApi):
    @extend_schema(operation_id="offers_close", request=None, responses=OfferOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return self._act(services.offer_close, request, pk)
