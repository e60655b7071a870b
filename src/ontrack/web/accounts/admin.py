"""The Django admin for service configuration: services, teams, staff, supervision, users.

Clinical records are deliberately absent: they change only through audited actions.
Administration is not clinical access (issue 20, docs/adr/0103):

- an administrator with a ``Staff`` row sees and edits only their own service's
  configuration (``ServiceScopedAdmin``; other apps' admins use it too); an installation
  superuser with no ``Staff`` row sees every service's configuration, still no client;
- clients' sign-ins are not in the admin at all, so no one resets a client's password here;
- nobody edits their own staff role, service or sign-in privileges, or deletes their own
  staff row; only a superuser grants superuser or permissions;
- making someone a service manager waits for a second manager's approval (ADR 0146,
  ``grants``);
- every change of a staff role, service or team, and of a sign-in's privileges, password
  or two-factor devices, is an event in OnTrack's audit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ontrack.web.accounts.grants import NEEDS_APPROVAL, request_role
from ontrack.web.accounts.models import (
    GrantStatus,
    RoleGrant,
    Service,
    Staff,
    Supervision,
    Team,
    User,
)
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.codes import Qualification, Therapy

if TYPE_CHECKING:
    # The admin classes are generic only to the type checker.
    TeamInlineBase = admin.TabularInline[Team, Service]
    ServiceAdminBase = admin.ModelAdmin[Service]
    TeamAdminBase = admin.ModelAdmin[Team]
    StaffAdminBase = admin.ModelAdmin[Staff]
    SupervisionAdminBase = admin.ModelAdmin[Supervision]
    UserAdminBase = UserAdmin[User]
    ScopedBase = admin.ModelAdmin[Any]
else:
    TeamInlineBase = admin.TabularInline
    ServiceAdminBase = TeamAdminBase = StaffAdminBase = SupervisionAdminBase = admin.ModelAdmin
    UserAdminBase = UserAdmin
    ScopedBase = admin.ModelAdmin


def hide_secrets() -> None:
    """Take django-otp's device admins out (called from the app's ``ready``, after the
    admin has found them): an authenticator's key and the backup codes are secrets, and a
    person's devices are reset with the action on their sign-in instead."""
    for model in (TOTPDevice, StaticDevice):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


def own_service_id(request: HttpRequest) -> int | None:
    """The service of the signed-in administrator; None for an installation superuser."""
    if not request.user.is_authenticated:
        return None
    staff = Staff.objects.filter(user_id=int(request.user.pk)).only("service_id").first()
    return staff.service_id if staff is not None else None


class ServiceScopedAdmin(ScopedBase):
    """Show and offer only the administrator's own service's rows (``service_path`` says
    how a row reaches its service)."""

    service_path = "service"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)
        service_id = own_service_id(request)
        if service_id is None:
            return rows if request.user.is_superuser else rows.none()
        return rows.filter(**{self.service_path: service_id})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        service_id = own_service_id(request)
        if service_id is not None:
            if db_field.related_model is Service:
                kwargs["queryset"] = Service.objects.filter(pk=service_id)
            elif db_field.related_model is Team:
                kwargs["queryset"] = Team.objects.filter(service_id=service_id)
            elif db_field.related_model is Staff:
                kwargs["queryset"] = Staff.objects.filter(service_id=service_id)
            elif db_field.related_model is User:
                kwargs["queryset"] = staff_sign_ins(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def staff_sign_ins(request: HttpRequest) -> QuerySet[User]:
    """The sign-ins an administrator may manage: their service's staff, and new sign-ins
    that belong to no service and no client yet. Never a client's."""
    users = User.objects.filter(client__isnull=True)
    service_id = own_service_id(request)
    if service_id is None:
        return users if request.user.is_superuser else users.none()
    return users.filter(Q(staff__service_id=service_id) | Q(staff__isnull=True))


_PRIVILEGES = ("is_active", "is_staff", "is_superuser")


@admin.register(User)
class StaffSignInAdmin(UserAdminBase):
    """Sign-ins of staff (see the module docstring for what an administrator may change)."""

    actions = ("reset_two_factor",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return staff_sign_ins(request).order_by("username")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Groups carry permissions: only a superuser hands them out.
            fields += ["is_superuser", "groups", "user_permissions"]
        if obj is not None and obj.pk == request.user.pk:
            fields += ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]
        return sorted(set(fields), key=fields.index)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(User.objects.get(pk=obj.pk), _PRIVILEGES) if change and obj.pk else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            after = snapshot(obj, _PRIVILEGES)
            if before != after:
                record_change(
                    by=request.user,
                    action="sign_in_privileges_changed" if change else "sign_in_added",
                    target=obj,
                    client_id=None,
                    old=before,
                    new=after,
                )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            if user is not None:
                record_change(
                    by=request.user,
                    action="password_set_by_admin",
                    target=user,
                    client_id=None,
                )
        return response

    @admin.action(description="Reset two-factor sign-in (lost phone): set up again next time")
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        with transaction.atomic():
            for user in queryset:
                TOTPDevice.objects.filter(user=user).delete()
                StaticDevice.objects.filter(user=user).delete()
                record_change(
                    by=request.user, action="two_factor_reset", target=user, client_id=None
                )
        self.message_user(
            request, f"Two-factor sign-in reset for {queryset.count()} people.", messages.SUCCESS
        )


class TeamInline(TeamInlineBase):
    model = Team
    extra = 0


@admin.register(Service)
class ServiceAdmin(ServiceScopedAdmin):
    list_display = ("name", "code", "region")
    search_fields = ("name", "code")
    inlines = (TeamInline,)
    service_path = "pk"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A new service is an installation's decision, not a service administrator's.
        return own_service_id(request) is None and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return own_service_id(request) is None and super().has_delete_permission(request, obj)


@admin.register(Team)
class TeamAdmin(ServiceScopedAdmin):
    list_display = ("name", "service")
    list_filter = ("service",)


class StaffForm(forms.ModelForm):  # type: ignore[type-arg]
    """Qualifications and therapies as ticked choices, languages as a typed list."""

    qualifications = forms.MultipleChoiceField(
        choices=Qualification.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="QualAttainLevelIAPT; the main one first in exports is the lowest code ticked.",
    )
    modalities = forms.MultipleChoiceField(
        choices=Therapy.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The therapies they deliver.",
    )
    languages = forms.CharField(
        required=False, help_text="Languages they work in, separated by commas (English, Urdu)."
    )

    class Meta:
        model = Staff
        fields = "__all__"  # noqa: DJ007 - the admin edits every field of a staff record

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["languages"] = ", ".join(self.instance.languages or [])

    def clean_languages(self) -> list[str]:
        text = self.cleaned_data.get("languages") or ""
        return [part.strip() for part in text.split(",") if part.strip()]

    def clean_role(self) -> str:
        """Manager rights wait for a second manager's approval (ADR 0146)."""
        role = str(self.cleaned_data.get("role") or "")
        if role not in NEEDS_APPROVAL or role == self.instance.role:
            return role
        if self.instance.pk is None:
            raise forms.ValidationError(
                "Add them with another role first, then change it to service manager: "
                "manager rights wait for a second manager's approval."
            )
        if RoleGrant.objects.filter(staff=self.instance, status=GrantStatus.PENDING).exists():
            raise forms.ValidationError(
                "A request for manager rights for them is already waiting for approval."
            )
        return role


_ROLE_FIELDS = ("role", "therapist_role", "service", "team", "triage")


@admin.register(Staff)
class StaffAdmin(ServiceScopedAdmin):
    form = StaffForm
    list_display = ("display_name", "role", "therapist_role", "service", "team", "caseload_limit")
    list_filter = ("role", "therapist_role")
    list_select_related = ("user", "service", "team")
    search_fields = ("user__username", "user__first_name", "user__last_name", "practitioner_id")
    autocomplete_fields = ("user",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("user")  # a staff row is not moved to another person's sign-in
            if obj.user_id == request.user.pk:
                # Nobody grants themselves a role (a manager sees every client).
                fields += [f for f in _ROLE_FIELDS if f not in fields]
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.user_id == request.user.pk:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(Staff.objects.get(pk=obj.pk), _ROLE_FIELDS) if change else None
        asked = obj.role if before is not None and obj.role != before["role"] else None
        if asked not in NEEDS_APPROVAL:
            asked = None
        with transaction.atomic():
            if asked is not None and before is not None:
                # Saved with the role (and caseload) they had; the new one waits for a
                # second manager.
                obj.role, obj.therapist_role = before["role"], before["therapist_role"]
            super().save_model(request, obj, form, change)
            if asked is not None:
                request_role(staff=obj, role=asked, by=request.user)  # type: ignore[arg-type]
                messages.warning(
                    request,
                    f"{obj} becomes a service manager only when a second manager of the "
                    f"service approves it, at {reverse('role_grants')}.",
                )
            after = snapshot(obj, _ROLE_FIELDS)
            if before != after:
                record_change(
                    by=request.user,
                    action="staff_role_changed" if change else "staff_added",
                    target=obj,
                    client_id=None,
                    old=before,
                    new=after,
                )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            record_change(
                by=request.user,
                action="staff_removed",
                target=obj,
                client_id=None,
                old=snapshot(obj, _ROLE_FIELDS),
            )
            super().delete_model(request, obj)


@admin.register(Supervision)
class SupervisionAdmin(ServiceScopedAdmin):
    list_display = ("supervisor", "supervisee", "started_on", "ended_on")
    list_select_related = ("supervisor__user", "supervisee__user")
    service_path = "supervisor__service"


SERVICE_ADMINISTRATORS = "Service administrators"
SERVICE_CONFIGURATION_APPS = frozenset({"accounts", "pathway", "privacy"})


def grant_service_administration(user: User) -> None:
    """Make ``user`` a service administrator: the admin, and every permission on the models
    registered in it (service configuration only: no clinical model is registered), but
    not a superuser."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    group, _ = Group.objects.get_or_create(name=SERVICE_ADMINISTRATORS)
    # OnTrack's own configuration only: not django-axes' lockout records, which name
    # every service's sign-ins and addresses (those stay with the installation superuser).
    ours = [m for m in admin.site._registry if m._meta.app_label in SERVICE_CONFIGURATION_APPS]
    types = ContentType.objects.get_for_models(*ours).values()
    group.permissions.set(Permission.objects.filter(content_type__in=list(types)))
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(group)
