"""A tiny URLconf for tests of the core API plumbing (problem details, idempotency)."""

from django.urls import include, path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core import events
from core.exceptions import InvalidTransition, NotFound
from core.idempotency import idempotent


class EchoSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1)
    sku = serializers.CharField(max_length=5)


class CreateEventApi(APIView):
    """Creates one outbox row per successful call: a visible effect to count."""

    @idempotent
    def post(self, request):
        data = EchoSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = events.publish("test.created", data.validated_data)
        return Response({"id": event.pk, **data.validated_data}, status=201)


class MissingApi(APIView):
    def get(self, request):
        raise NotFound("Order ORD-1 does not exist.")


class TransitionApi(APIView):
    def post(self, request):
        raise InvalidTransition(current="delivered", target="cancelled", allowed=[], what="order")


handler404 = "core.problems.handler404"
handler500 = "core.problems.handler500"

urlpatterns = [
    path("api/test/events/", CreateEventApi.as_view()),
    path("api/test/missing/", MissingApi.as_view()),
    path("api/test/transition/", TransitionApi.as_view()),
    path("", include("config.urls")),
]
