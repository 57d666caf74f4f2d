"""The match lifecycle over the API: the same selectors and services as the pages.

Contact details appear in a match only when `matching.selectors` allows it
(confirmed, consented, the other party); lists never carry them.
"""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from matching import selectors, services
from matching.models import Exclusion, Match
from matching.notifications import checks_words
from matching.services import exclusions
from platform_core.api import KeysetPagination, SlotsField
from platform_core.disclosure import purpose_set
from platform_core.http import found_or_404


class ProviderPublicSerializer(serializers.Serializer):
    """What anyone on a match may see of a provider: never its members' personal data."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    verification_status = serializers.CharField()
    clearance = serializers.CharField()
    rating_average = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    rating_count = serializers.IntegerField()
    description = serializers.CharField()


class NeedSummarySerializer(serializers.Serializer):
    """What the provider sees before confirmation: no address, no name."""

    reference = serializers.CharField()
    category = serializers.CharField(source="category.name", allow_null=True, default=None)
    urgency = serializers.IntegerField()
    urgency_display = serializers.CharField(source="get_urgency_display")
    timing = serializers.CharField()
    window_start = serializers.DateTimeField(allow_null=True)
    window_end = serializers.DateTimeField(allow_null=True)
    weekly_slots = SlotsField()
    district = serializers.CharField()


class OfferSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    cost_type = serializers.CharField()
    price_pence = serializers.IntegerField()


class ContactDetailsSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    address = serializers.ListField(child=serializers.CharField())
    postcode = serializers.CharField()
    vulnerability_notes = serializers.CharField()
    accessibility = serializers.CharField()
    contact_route = serializers.CharField(help_text="How the resident wants to be contacted, for the provider.")


class MatchListOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    role = serializers.SerializerMethodField()
    need = NeedSummarySerializer()
    offer = OfferSummarySerializer()
    provider = ProviderPublicSerializer(source="offer.provider")
    score = serializers.FloatField()
    distance_km = serializers.FloatField()
    explanation = serializers.CharField()
    proposed_at = serializers.DateTimeField()
    respond_by = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)
    provider_done_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    closed_by = serializers.CharField()
    close_reason = serializers.CharField()

    @extend_schema_field(serializers.ChoiceField(choices=["provider", "resident"]))
    def get_role(self, match: Match) -> str:
        """Which side of the match the caller is on."""
        provider_ids = self.context.get("provider_ids", set())
        return "provider" if match.offer.provider_id in provider_ids else "resident"


class HelperSerializer(serializers.Serializer):
    """Who will attend (named when the provider accepted): a first name and the checks held today."""

    first_name = serializers.CharField()
    dbs_level = serializers.CharField(
        source="checks.dbs_level",
        allow_null=True,
        help_text="basic, standard, enhanced, enhanced_barred; "
        "empty: a certificate sent before levels were asked; null: no live DBS check.",
    )
    id_checked = serializers.BooleanField(source="checks.id_checked")
    checks = serializers.SerializerMethodField(help_text='In words, e.g. "DBS checked (enhanced), ID checked".')

    def get_checks(self, helper) -> str:
        return checks_words(helper.checks)


class MatchDetailOutputSerializer(MatchListOutputSerializer):
    terms = serializers.DictField(child=serializers.FloatField())
    contact_details = serializers.SerializerMethodField()
    helper = serializers.SerializerMethodField()
    attending_member = serializers.IntegerField(
        source="attending_member_id", allow_null=True, help_text="The provider's member who will attend."
    )

    @extend_schema_field(HelperSerializer(allow_null=True))
    def get_helper(self, match: Match) -> dict | None:
        helper = selectors.match_helper_for(match=match, user=self.context["request"].user)
        return HelperSerializer(helper).data if helper else None

    @extend_schema_field(ContactDetailsSerializer(allow_null=True))
    def get_contact_details(self, match: Match) -> dict | None:
        details = selectors.match_contact_details_for(match=match, user=self.context["request"].user)
        return ContactDetailsSerializer(details).data if details else None


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    body = serializers.CharField(max_length=2000)
    created_at = serializers.DateTimeField(read_only=True)
    from_me = serializers.SerializerMethodField()

    def get_from_me(self, message) -> bool:
        return message.sender_id == self.context["request"].user.pk


def _match_or_404(request: Request, pk: int) -> Match:
    # officers=True: an officer reaches this door only after the second factor (middleware).
    match = found_or_404(selectors.match_get_for_user(user=request.user, pk=pk, officers=True), "No such match.")
    purpose = selectors.assisting_purpose(user=request.user, match=match)
    if purpose is not None:
        purpose_set(request, purpose)
    return match


def _context(request: Request) -> dict:
    return {"request": request, "provider_ids": selectors.provider_ids_for_user(user=request.user)}


def _detail(request: Request, match: Match, code: int = status.HTTP_200_OK) -> Response:
    match = _match_or_404(request, match.pk)
    return Response(MatchDetailOutputSerializer(match, context=_context(request)).data, status=code)


class MatchKeysetPagination(KeysetPagination):
    ordering = ("-proposed_at", "-id")


class MatchListApi(ListAPIView):
    """The caller's matches, on either side (provider member or resident), newest
    first, in keyset pages (`next` carries the cursor): a long history costs nothing."""

    serializer_class = MatchListOutputSerializer
    pagination_class = MatchKeysetPagination

    def get_queryset(self):
        return selectors.match_list_for_user_newest_first(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **_context(self.request)}


class MatchDetailApi(APIView):
    @extend_schema(responses=MatchDetailOutputSerializer, summary="One of your matches")
    def get(self, request: Request, pk: int) -> Response:
        return _detail(request, _match_or_404(request, pk))


class _SimpleActionApi(APIView):
    service = None

    def post(self, request: Request, pk: int) -> Response:
        match = _match_or_404(request, pk)
        type(self).service(match=match, user=request.user)
        return _detail(request, match)


class MatchAcceptApi(APIView):
    @extend_schema_serializer(component_name="MatchAcceptInput")
    class InputSerializer(serializers.Serializer):
        attending_member = serializers.IntegerField(
            required=False,
            allow_null=True,
            default=None,
            help_text="The member who will attend: required for help at the DBS tier and above (one whose enhanced "
            "DBS check is accepted and in date), unless the provider has one member.",
        )

    @extend_schema(
        request=InputSerializer,
        responses=MatchDetailOutputSerializer,
        summary="Accept a proposal (provider), naming who will attend when the help needs it",
    )
    def post(self, request: Request, pk: int) -> Response:
        match = _match_or_404(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.match_accept(
            match=match, user=request.user, attending_member_id=data.validated_data["attending_member"]
        )
        return _detail(request, match)


class MatchConfirmApi(_SimpleActionApi):
    service = staticmethod(services.match_confirm)

    @extend_schema(
        request=None,
        responses=MatchDetailOutputSerializer,
        summary="Confirm an accepted match (resident), consenting to share contact details",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class MatchDoneApi(_SimpleActionApi):
    service = staticmethod(services.match_mark_done)

    @extend_schema(request=None, responses=MatchDetailOutputSerializer, summary="Mark as done (provider)")
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class MatchCompleteApi(_SimpleActionApi):
    service = staticmethod(services.match_complete)

    @extend_schema(request=None, responses=MatchDetailOutputSerializer, summary="Confirm completion (resident)")
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class MatchDeclineApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

        class Meta:
            ref_name = "MatchDeclineInput"

    @extend_schema(request=InputSerializer, responses=MatchDetailOutputSerializer, summary="Decline, with a reason")
    def post(self, request: Request, pk: int) -> Response:
        match = _match_or_404(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.match_decline(match=match, user=request.user, **data.validated_data)
        return _detail(request, match)


class MatchCancelApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)
        need_still_wanted = serializers.BooleanField(default=True)

        class Meta:
            ref_name = "MatchCancelInput"

    @extend_schema(request=InputSerializer, responses=MatchDetailOutputSerializer, summary="Cancel, with a reason")
    def post(self, request: Request, pk: int) -> Response:
        match = _match_or_404(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.match_cancel(match=match, user=request.user, **data.validated_data)
        return _detail(request, match)


class MatchMessagesApi(APIView):
    @extend_schema(responses=MessageSerializer(many=True), summary="The conversation (while confirmed)")
    def get(self, request: Request, pk: int) -> Response:
        match = _match_or_404(request, pk)
        rows = selectors.message_list_for_match(match=match, user=request.user)
        return Response(MessageSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(request=MessageSerializer, responses={201: MessageSerializer}, summary="Send a message")
    def post(self, request: Request, pk: int) -> Response:
        match = _match_or_404(request, pk)
        data = MessageSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        message = services.message_send(match=match, user=request.user, body=data.validated_data["body"])
        return Response(MessageSerializer(message, context={"request": request}).data, status=status.HTTP_201_CREATED)


class MatchReviewApi(APIView):
    class InputSerializer(serializers.Serializer):
        rating = serializers.IntegerField(min_value=1, max_value=5)
        comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")

        class Meta:
            ref_name = "MatchReviewInput"

    @extend_schema(
        request=InputSerializer,
        responses={
            201: inline_serializer(
                "MatchReviewOutput",
                fields={
                    "rating": serializers.IntegerField(),
                    "comment": serializers.CharField(),
                    "created_at": serializers.DateTimeField(),
                },
            )
        },
        summary="Review a completed match (resident, once)",
    )
    def post(self, request: Request, pk: int) -> Response:
        match = _match_or_404(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_create(match=match, user=request.user, **data.validated_data)
        return Response(
            {"rating": review.rating, "comment": review.comment, "created_at": review.created_at},
            status=status.HTTP_201_CREATED,
        )


# --- Exclusions (issue 9): the resident's "never match me with this provider again" ------------
# Only the resident's own: no endpoint shows an exclusion to the provider it names.


class ExclusionProviderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()

    class Meta:
        ref_name = "ExclusionProvider"


class ExclusionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider = ExclusionProviderSerializer()
    source = serializers.ChoiceField(choices=Exclusion.Source.choices)
    source_display = serializers.CharField(source="get_source_display")
    match = serializers.IntegerField(source="match_id", allow_null=True)
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Exclusion"


class ExclusionListCreateApi(APIView):
    """The providers you asked never to be matched with again (GET); add one from one
    of your matches (POST). The provider is never told and never sees it."""

    class InputSerializer(serializers.Serializer):
        match = serializers.IntegerField(help_text="One of your matches: its provider is excluded.")
        source = serializers.ChoiceField(
            choices=[Exclusion.Source.MATCH, Exclusion.Source.REVIEW], default=Exclusion.Source.MATCH
        )

        class Meta:
            ref_name = "ExclusionAddInput"

    @extend_schema(
        responses=ExclusionOutputSerializer(many=True), summary="Your exclusions", operation_id="exclusions_list"
    )
    def get(self, request: Request) -> Response:
        rows = selectors.exclusion_list_for_resident_user(user=request.user).order_by("-created_at", "-pk")
        return Response(ExclusionOutputSerializer(rows, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={
            201: ExclusionOutputSerializer,
            403: OpenApiResponse(description="You are the provider on that match."),
            404: OpenApiResponse(description="No such match of yours."),
        },
        summary="Never be matched with a match's provider again",
        operation_id="exclusions_create",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        match = _match_or_404(request, data.validated_data["match"])
        exclusion = exclusions.exclusion_add(match=match, user=request.user, source=data.validated_data["source"])
        return Response(ExclusionOutputSerializer(exclusion).data, status=status.HTTP_201_CREATED)


class ExclusionDetailApi(APIView):
    @extend_schema(
        responses=ExclusionOutputSerializer, summary="One of your exclusions", operation_id="exclusions_retrieve"
    )
    def get(self, request: Request, pk: int) -> Response:
        exclusion = found_or_404(selectors.exclusion_get_for_user(user=request.user, pk=pk), "No such exclusion.")
        return Response(ExclusionOutputSerializer(exclusion).data)

    @extend_schema(responses={204: None}, summary="Allow the provider again", operation_id="exclusions_destroy")
    def delete(self, request: Request, pk: int) -> Response:
        exclusion = found_or_404(selectors.exclusion_get_for_user(user=request.user, pk=pk), "No such exclusion.")
        exclusions.exclusion_remove(exclusion=exclusion, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
