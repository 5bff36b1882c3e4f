import tempfile
from contextlib import contextmanager
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AdminUserCreationForm, AuthenticationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .models import User
from .services import check_role_unit


class QuickSelect(forms.Select):
    """A select that writes its options in Python, in the markup Django's own `Select` renders:
    a template render per option costs about 50 µs, and a federation's union filter offers
    thousands of units. Plain options and option groups, one value (no `allow_multiple_selected`).
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        parts = [format_html('<select name="{}"{}>', name, flatatt(self.build_attrs(self.attrs, attrs)))]

        def option(option_value, label):
            nonlocal chosen
            option_value = "" if option_value is None else str(option_value)
            selected = option_value in chosen
            if selected:
                chosen = set()  # one value: the first match only, as Django's Select
            return (
                f'<option value="{conditional_escape(option_value)}"{" selected" if selected else ""}>'
                f"{conditional_escape(label)}</option>"
            )

        for value_or_group, label_or_options in self.choices:
            if isinstance(label_or_options, (list, tuple)):
                parts.append(format_html('<optgroup label="{}">', value_or_group))
                parts.extend(option(v, label) for v, label in label_or_options)
                parts.append("</optgroup>")
            else:
                parts.append(option(value_or_group, label_or_options))
        parts.append("</select>")
        return mark_safe("".join(parts))


def style_widgets(form) -> None:
    """Bootstrap's classes on every visible widget of `form` (check boxes, selects, the rest)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


def posted(request):
    """The submitted data, or None for a GET: an empty POST still validates (and shows what is
    missing), which `request.POST or None` would not."""
    return request.POST if request.method == "POST" else None


def attach_errors(form, exc: ValidationError, aliases: dict | None = None) -> None:
    """Put a service's ValidationError on the form field it is about; `aliases` maps the
    service's names to the form's (`on` → `joined_on`), anything else goes to the form."""
    aliases = aliases or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            field = aliases.get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def write_or_errors(form, write, aliases: dict | None = None):
    """Run a service `write` for a valid form: what it returns, or None with the service's
    ValidationError put on the form (see `attach_errors`)."""
    try:
        return write()
    except ValidationError as exc:
        attach_errors(form, exc, aliases)
        return None


class SpreadsheetField(forms.FileField):
    """An uploaded .xlsx or .csv within the import size limit (§4); `wrong_type` tells the user
    what to upload instead ("Upload the roll as .xlsx or .csv...")."""

    def __init__(self, *, wrong_type, **kwargs):
        super().__init__(**kwargs)
        self.wrong_type = wrong_type
        self.widget.attrs["accept"] = ".xlsx,.csv"

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return upload
        limit = settings.MEMBER_IMPORT["MAX_UPLOAD_BYTES"]
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": limit // 1_000_000}, code="file_too_large"
            )
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(self.wrong_type, code="unreadable_file")
        return upload


@contextmanager
def upload_on_disk(upload, name: str):
    """The uploaded spreadsheet as a file on disk (openpyxl reads a path), named `name` with the
    upload's own suffix, in a folder removed afterwards: read it inside the `with`, and keep
    file work out of database transactions."""
    suffix = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as folder:
        path = Path(folder) / f"{name}{suffix}"
        with path.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        yield path


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
                attach_errors(self, exc)
        return data


class AccountChangeForm(RoleUnitMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class AccountCreationForm(RoleUnitMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "email", "role", "federation", "union")
