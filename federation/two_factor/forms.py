from django import forms
from django.utils.translation import gettext_lazy as _


def _code_widget(**attrs):
    return forms.TextInput(
        attrs={
            "class": "form-control form-control-lg otp-code",
            "autocomplete": "one-time-code",
            "autocapitalize": "none",
            "spellcheck": "false",
            "autofocus": True,
            **attrs,
        }
    )


class ConfirmDeviceForm(forms.Form):
    """The first code the authenticator app shows, to prove it was set up."""

    code = forms.CharField(
        label=_("6-digit code from the app"),
        max_length=12,
        widget=_code_widget(inputmode="numeric", pattern="[0-9 ]*"),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Type the 6 digits the app shows."), code="not_six_digits")
        return code


class VerifyForm(forms.Form):
    """A code from the authenticator app, or one of the backup codes."""

    code = forms.CharField(
        label=_("Sign-in code"),
        max_length=20,
        help_text=_("The 6-digit code from your authenticator app, or one of your backup codes."),
        widget=_code_widget(),
    )

    def clean_code(self):
        return self.cleaned_data["code"].replace(" ", "").replace("-", "").lower()

    @property
    def is_app_code(self) -> bool:
        code = self.cleaned_data.get("code", "")
        return code.isdigit() and len(code) == 6
