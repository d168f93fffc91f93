"""/mail/: the e-mails the app has sent, for staff, when they are kept locally (core.sentmail).
Any staff role may read them (not drivers): on a development install these are the demo
customers' notifications, approval requests and digests a new user wants to see."""

from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.views import View

from core.permissions import RoleRequiredMixin
from core.roles import STAFF_ROLES
from core.sentmail import is_active, sent_mail_get, sent_mail_list

app_name = "sentmail"


class SentMailView(RoleRequiredMixin, View):
    allowed_roles = STAFF_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not is_active():
            raise Http404("Mail is sent through EMAIL_URL; none is kept here.")
        return super().dispatch(request, *args, **kwargs)


class SentMailListView(SentMailView):
    def get(self, request):
        return render(request, "core/sent_mail_list.html", {"mails": sent_mail_list()})


class SentMailDetailView(SentMailView):
    def get(self, request, name):
        mail = sent_mail_get(name=name)
        if mail is None:
            raise Http404("No such message.")
        return render(request, "core/sent_mail_detail.html", {"mail": mail})


urlpatterns = [
    path("", SentMailListView.as_view(), name="list"),
    path("<str:name>/", SentMailDetailView.as_view(), name="detail"),
]
