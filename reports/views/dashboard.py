"""dashboard screens."""

urlpatterns = []
