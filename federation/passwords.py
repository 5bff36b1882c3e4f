"""Password rules after NIST SP 800-63B-4: length matters, composition rules do not.

A password that is the only factor (chairs, officers) needs at least 15 characters; one that
comes with a one-time code (the roles of `TWO_FACTOR_ROLES`, superusers) at least 8. At most 128,
any characters (spaces and Vietnamese letters included), and never a password from the lists
of passwords found in data breaches (`BreachedPasswordValidator`).
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .forms import style_widgets
from .two_factor.policy import requires_two_factor


class RoleLengthValidator:
    """At least `single_factor_min` characters, or `two_factor_min` for an account that also signs
    in with a one-time code (or when no account is known yet, the stricter rule); at most
    `max_length`."""

    def __init__(self, single_factor_min: int = 15, two_factor_min: int = 8, max_length: int = 128):
        self.single_factor_min = single_factor_min
        self.two_factor_min = two_factor_min
        self.max_length = max_length

    def minimum_for(self, user) -> int:
        if user is not None and requires_two_factor(user):
            return self.two_factor_min
        return self.single_factor_min

    def validate(self, password, user=None):
        minimum = self.minimum_for(user)
        if len(password) < minimum:
            raise ValidationError(
                ngettext(
                    "This password is too short: it must have at least %(min_length)d character.",
                    "This password is too short: it must have at least %(min_length)d characters.",
                    minimum,
                )
                % {"min_length": minimum},
                code="password_too_short",
                params={"min_length": minimum},
            )
        if len(password) > self.max_length:
            raise ValidationError(
                _("This password is too long: it may have at most %(max_length)d characters.")
                % {"max_length": self.max_length},
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self):
        return _(
            "At least %(single)d characters, or %(double)d if your account also signs in with a one-time "
            "code; at most %(max)d. A few ordinary words with spaces make a good password; no symbols or "
            "digits are required."
        ) % {"single": self.single_factor_min, "double": self.two_factor_min, "max": self.max_length}


class BreachedPasswordValidator(CommonPasswordValidator):
    """Django's list of common passwords, which is drawn from passwords found in data breaches."""

    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError(
                _("This password is on a list of passwords found in data breaches: choose another."),
                code="password_too_common",
            ) from None

    def get_help_text(self):
        return _("It may not be one of the common passwords found in data breaches.")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password (every signed-in user): the old one, the new one twice."""

    template_name = "federation/password_change.html"
    success_url = reverse_lazy("home")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        style_widgets(form)
        return form

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response
