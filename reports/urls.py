from .views import dashboard, national, returns, targets

app_name = "reports"

urlpatterns = [*dashboard.urlpatterns, *national.urlpatterns, *targets.urlpatterns, *returns.urlpatterns]
