from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .forms import AccountChangeForm, AccountCreationForm, RoleUnitMixin
from .models import NATIONAL_ROLES, AuditLog, Cap, Federation, Role, User
from .services import audit_log, diff_fields
from .two_factor.services import user_reset_two_factor


class ScopedAdmin(admin.ModelAdmin):
    """The admin site for federation administrators: every list and every foreign-key choice
    is cut to the user's subtree by the model's own `visible_to`; nothing is deleted."""

    def get_queryset(self, request):
        return self.model.objects.visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related.objects, "visible_to"):
            kwargs["queryset"] = related.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.can(Cap.USE_ADMIN_SITE)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their parent as history (positions, revisions, lineage, beneficiaries):
    every field read only, nothing added, changed or deleted from here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.can(Cap.USE_ADMIN_SITE)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Federation)
class FederationAdmin(ScopedAdmin):
    list_display = ["code", "name", "province_code", "closed_on"]
    search_fields = ["code", "name"]

    def has_add_permission(self, request):
        return request.user.is_superuser


class NationalRoleMixin:
    """A role above the federations (the General Confederation's viewer) has no federation and no
    union; the other roles go through `check_role_unit` as before (`RoleUnitMixin`). Only a
    superuser gives such a role (see `UserAdmin.formfield_for_choice_field`)."""

    def clean(self):
        if self.cleaned_data.get("role") not in NATIONAL_ROLES:
            return super().clean()
        data = super(RoleUnitMixin, self).clean()  # the form's own checks, without the unit's
        if data.get("federation") is not None:
            self.add_error("federation", _("This role stands above the federations: leave the federation empty."))
        if data.get("union") is not None:
            self.add_error("union", _("This role stands above the federations: leave the union empty."))
        return data


class NationalAccountChangeForm(NationalRoleMixin, AccountChangeForm):
    pass


class NationalAccountCreationForm(NationalRoleMixin, AccountCreationForm):
    pass


@admin.register(User)
class UserAdmin(ScopedAdmin, BaseUserAdmin):
    form = NationalAccountChangeForm
    add_form = NationalAccountCreationForm
    list_display = ["username", "full_name", "role", "federation", "union", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["full_name", "email"]}),
        (_("Role and unit"), {"fields": ["role", "federation", "union"]}),
        (_("Status"), {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "usable_password", "password1", "password2"]}),
        (_("Role and unit"), {"fields": ["full_name", "email", "role", "federation", "union"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["reset_two_factor"]

    # Never written to the audit trail, not even as "changed".
    SECRET_FIELDS = frozenset({"password", "password1", "password2", "usable_password"})

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        """Roles above the federations reach every federation's figures: a superuser gives them."""
        field = super().formfield_for_choice_field(db_field, request, **kwargs)
        if db_field.name == "role" and not request.user.is_superuser:
            field.choices = [c for c in field.choices if c[0] not in NATIONAL_ROLES]
        return field

    def save_model(self, request, obj, form, change):
        """Save the account (the admin's view holds the transaction) and record what changed."""
        obj.is_staff = obj.role == Role.FEDERATION_ADMIN or obj.is_superuser
        fields = [name for name in form.changed_data if name not in self.SECRET_FIELDS]
        before = User.objects.get(pk=obj.pk) if change else None
        super().save_model(request, obj, form, change)
        after = {name: getattr(obj, name) for name in fields}
        if not change:
            changes = {name: [None, pair[1]] for name, pair in diff_fields(User(), after).items()}
            audit_log(actor=request.user, obj=obj, action=AuditLog.Action.CREATE, changes=changes, request=request)
        elif changes := diff_fields(before, after):
            audit_log(actor=request.user, obj=obj, action=AuditLog.Action.UPDATE, changes=changes, request=request)

    @admin.action(description=_("Reset two-step sign-in (lost phone)"))
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            user_reset_two_factor(user=user, by=request.user, request=request)
        self.message_user(
            request, _("Two-step sign-in reset: these accounts set up a new authenticator at their next sign-in.")
        )


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "action", "object_repr", "ip"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor_name"]
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def get_queryset(self, request):
        return AuditLog.objects.visible_to(request.user)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.can(Cap.USE_ADMIN_SITE)

    has_view_permission = ScopedAdmin.has_view_permission
    # Read only: nothing is added, changed or deleted here (and the database refuses it anyway,
    # federation/migrations/0005_auditlog_immutable.py).

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
