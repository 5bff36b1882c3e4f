from .views import dashboard, returns, targets

app_name = "reports"

urlpatterns = [*dashboard.urlpatterns, *targets.urlpatterns, *returns.urlpatterns]
