from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "unions"
    verbose_name = _("Unions")
