from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from django.apps import apps

        from federation.signals import records_changed

        from .cache import figures_changed

        def changed(sender, **kwargs):
            figures_changed()

        # weak=False: `changed` lives only in these connections (a weak reference would let it
        # be garbage-collected, and the dashboards would stop hearing of writes).
        # The tables dashboard figures come from (reports/measures.py). Members and movements get
        # no delete hook: it would stop Django deleting an undone import's rows in bulk, and the
        # undo says itself that figures changed.
        records_changed.connect(changed, weak=False, dispatch_uid="figures-bulk")
        for label in ("members.Member", "members.Movement"):
            post_save.connect(changed, sender=apps.get_model(label), weak=False, dispatch_uid=f"figures-{label}")
        for label in (
            "unions.Union",
            "unions.UnionLink",
            "welfare.Activity",
            "welfare.Shelter",
            "welfare.FundEntry",
            "reports.QuarterlyReturn",
            "reports.IndicatorValue",
        ):
            model = apps.get_model(label)
            post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"figures-{label}")
            post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"figures-del-{label}")
