"""Sign-in (password, then a second factor for staff), sign-out, password change and reset."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from ontrack.web.accounts import audit, grant_views, signin
from ontrack.web.accounts.forms import ChangePasswordForm, NewPasswordForm, ResetPasswordForm


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = ChangePasswordForm
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: Any) -> Any:
        response = super().form_valid(form)
        audit.password_changed(self.request, form.user, how="changed")
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> Any:
        response = super().form_valid(form)
        audit.password_changed(self.request, form.user, how="reset")
        return response


urlpatterns = [
    path("sign-in/", signin.SignInView.as_view(), name="login"),
    path("sign-out/", signin.SignOutView.as_view(), name="logout"),
    path("two-factor/", signin.two_factor, name="two_factor"),
    path("two-factor/set-up/", signin.two_factor_set_up, name="two_factor_set_up"),
    path("role-grants/", grant_views.role_grants, name="role_grants"),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/changed/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            form_class=ResetPasswordForm,
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
            success_url=reverse_lazy("password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
