from django.contrib.auth.forms import AdminUserCreationForm, AuthenticationForm, UserChangeForm
from django.core.exceptions import ValidationError

from .models import User
from .services import check_role_unit


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"class": "form-control", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"class": "form-control"})


class RoleUnitMixin:
    """Role and unit must agree (see `check_role_unit`); shown on the offending field."""

    def clean(self):
        data = super().clean()
        if data.get("role") and not self.instance.is_superuser:
            try:
                check_role_unit(role=data["role"], federation=data.get("federation"), union=data.get("union"))
            except ValidationError as exc:
                for field, errors in exc.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
        return data


class AccountChangeForm(RoleUnitMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class AccountCreationForm(RoleUnitMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "email", "role", "federation", "union")
