"""URLs for the API-error tests: a plain Django view under /api/ (not DRF) and one that fails."""

from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.http import require_GET
from rest_framework.views import APIView


@require_GET
def plain_view(request, pk: int):
    return JsonResponse({"id": pk})


class BoomApi(APIView):
    def get(self, request):
        raise RuntimeError("boom")


urlpatterns = [
    path("api/test/plain/<int:pk>/", plain_view),
    path("api/test/boom/", BoomApi.as_view()),
    path("", include("config.urls")),
]
