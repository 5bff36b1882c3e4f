"""targets screens."""

urlpatterns = []
