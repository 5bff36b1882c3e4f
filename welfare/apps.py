from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WelfareConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "welfare"
    verbose_name = _("Welfare")
