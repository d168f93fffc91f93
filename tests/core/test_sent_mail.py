"""Development e-mail is kept under var/mail/ (one file per message) and staff read it at /mail/."""

import pytest
from django.core.mail import EmailMultiAlternatives, send_mail
from django.test import Client

from core.sentmail import sent_mail_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept_mail(settings, tmp_path):
    settings.EMAIL_BACKEND = "core.sentmail.SentMailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    return tmp_path / "mail"


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _send_html(subject="Your order ORD-1 arrives soon", to="lena@example.com"):
    message = EmailMultiAlternatives(subject, "Between 14:10 and 14:40.", to=[to])
    message.attach_alternative(
        "<p>Between <b>14:10</b> and 14:40.</p><script>x()</script>", "text/html"
    )
    message.send()


def test_each_message_is_one_file_and_nothing_is_printed(kept_mail, capsys):
    _send_html()
    send_mail("Approval needed: PO-1", "Please decide.", None, ["approver@example.com"])
    assert len(list(kept_mail.glob("*.eml"))) == 2
    assert capsys.readouterr().out == ""
    assert [m.subject for m in sent_mail_list()] == [
        "Approval needed: PO-1",
        "Your order ORD-1 arrives soon",
    ]


def test_staff_see_the_list_and_the_rendered_message(kept_mail, dispatcher):
    _send_html()
    client = _client(dispatcher)
    page = client.get("/mail/").content.decode()
    assert "Your order ORD-1 arrives soon" in page and "lena@example.com" in page
    name = sent_mail_list()[0].name
    assert f'href="/mail/{name}/"' in page
    detail = client.get(f"/mail/{name}/").content.decode()
    # The HTML body renders in a sandboxed frame (no scripts); the text part is shown too.
    assert 'sandbox=""' in detail and 'srcdoc="&lt;p&gt;Between &lt;b&gt;14:10' in detail
    assert "Between 14:10 and 14:40." in detail


def test_any_staff_role_may_read_but_drivers_and_visitors_may_not(
    kept_mail, warehouse_user, approver, driver_user
):
    _send_html()
    assert _client(warehouse_user).get("/mail/").status_code == 200
    assert _client(approver).get("/mail/").status_code == 200
    assert _client(driver_user).get("/mail/").status_code == 403
    assert Client().get("/mail/").status_code == 302


def test_the_user_menu_links_the_mail_only_while_it_is_kept(kept_mail, settings, dispatcher):
    client = _client(dispatcher)
    assert 'href="/mail/"' in client.get("/").content.decode()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert 'href="/mail/"' not in client.get("/").content.decode()
    assert client.get("/mail/").status_code == 404


def test_unknown_or_malformed_names_are_404(kept_mail, dispatcher):
    client = _client(dispatcher)
    assert client.get("/mail/0000000000000000000-00000000/").status_code == 404
    assert client.get("/mail/..%2F..%2Fsettings/").status_code == 404


def test_only_the_newest_messages_are_kept(kept_mail, settings):
    settings.EMAIL_KEEP = 3
    for n in range(5):
        send_mail(f"Message {n}", "body", None, ["a@example.com"])
    assert [m.subject for m in sent_mail_list()] == ["Message 4", "Message 3", "Message 2"]


def test_encoded_subjects_and_names_read_back_as_written(kept_mail):
    send_mail(
        "Lieferung für Jörg \u2013 heute",
        "body",
        "Wäre <noreply@example.com>",
        ["jörg@example.com"],
    )
    (mail,) = sent_mail_list()
    assert mail.subject == "Lieferung für Jörg \u2013 heute"
    assert mail.sender == "Wäre <noreply@example.com>" and mail.to == "jörg@example.com"
