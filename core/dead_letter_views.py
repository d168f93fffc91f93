"""/tasks/failed/: dead-lettered Celery tasks (core.dead_letter) for admins, with a resend
button."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views import View

from core.dead_letter import failed_task_resend
from core.models import FailedTask
from core.permissions import RoleRequiredMixin
from core.roles import Role

app_name = "failed_tasks"


class FailedTaskListView(RoleRequiredMixin, View):
    allowed_roles = [Role.ADMIN]

    def get(self, request):
        return render(request, "core/failed_tasks.html", {"tasks": FailedTask.objects.all()[:200]})


class FailedTaskResendView(RoleRequiredMixin, View):
    allowed_roles = [Role.ADMIN]

    def post(self, request, pk):
        task = failed_task_resend(failed_task=get_object_or_404(FailedTask, pk=pk))
        messages.success(request, f"{task.task_name} sent again as {task.resent_task_id}.")
        return redirect("failed_tasks:list")


urlpatterns = [
    path("", FailedTaskListView.as_view(), name="list"),
    path("<int:pk>/resend/", FailedTaskResendView.as_view(), name="resend"),
]
