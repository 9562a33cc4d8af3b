"""Password reset by email for staff: Django's own views, in the admin's design.

A forgotten password, or an organiser locked out by failed sign-ins, is not a dead end:
"Forgotten your password?" on the admin sign-in page sends a one-time link (through the
normal mail path, so it needs EMAIL_HOST in production). Only active staff accounts with
an email address get one; the page says the same whatever address is typed, so it does not
tell strangers which addresses have accounts, and one address gets at most
`PASSWORD_RESET_EMAILS_PER_HOUR` (3) such emails an hour, so the form cannot fill an
organiser's inbox. Choosing a new password also lifts that account's sign-in lockout.
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.template.loader import render_to_string
from django.urls import path, reverse_lazy

from .jobs import message_enqueue
from .limits import address_key, count

logger = logging.getLogger("core.mail")
HOUR = 60 * 60


class StaffPasswordResetForm(PasswordResetForm):
    def get_users(self, email):
        return (user for user in super().get_users(email) if user.is_staff)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        sent = count(address_key("password-resets", to_email), HOUR)
        if sent is not None and sent > settings.PASSWORD_RESET_EMAILS_PER_HOUR:
            logger.warning("password reset email not sent: reason=reset-limit")
            return
        # As Django's own send_mail renders it, but sent by a job, not in this request.
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        html = (
            render_to_string(html_email_template_name, context) if html_email_template_name else ""
        )
        message_enqueue(subject=subject, body=body, to=to_email, html=html)


class StaffPasswordResetView(auth_views.PasswordResetView):
    form_class = StaffPasswordResetForm
    email_template_name = "registration/staff_password_reset_email.txt"
    subject_template_name = "registration/staff_password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        # Links point at the site's own address (SITE_URL), never the request's Host header.
        site = urlsplit(settings.SITE_URL)
        self.domain_override = site.netloc
        self.extra_email_context = {"site_url": settings.SITE_URL, "site_name": settings.SITE_NAME}
        return super().form_valid(form)


class StaffPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        from axes.utils import reset

        reset(username=form.user.get_username())
        return response


def urlpatterns(prefix: str):
    """The four pages, under the admin's URL (before admin.site.urls, whose catch-all
    would answer 404)."""
    return [
        path(
            f"{prefix}password_reset/",
            StaffPasswordResetView.as_view(),
            name="admin_password_reset",
        ),
        path(
            f"{prefix}password_reset/done/",
            auth_views.PasswordResetDoneView.as_view(),
            name="password_reset_done",
        ),
        path(
            f"{prefix}reset/<uidb64>/<token>/",
            StaffPasswordResetConfirmView.as_view(),
            name="password_reset_confirm",
        ),
        path(
            f"{prefix}reset/done/",
            auth_views.PasswordResetCompleteView.as_view(),
            name="password_reset_complete",
        ),
    ]
