"""returns screens."""

urlpatterns = []
