"""The reports app's API resources: indicators and targets, quarterly returns, reports."""

from . import national, reports, returns, targets


def register(router) -> None:
    for module in (targets, returns, reports, national):
        for prefix, viewset, basename in module.ROUTES:
            router.register(prefix, viewset, basename=basename)
