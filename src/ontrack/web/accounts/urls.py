"""Sign-in and sign-out."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from ontrack.web.accounts.forms import SignInForm

urlpatterns = [
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            template_name="accounts/sign_in.html",
            authentication_form=SignInForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
]
