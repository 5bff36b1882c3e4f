"""targets API."""

# (prefix, viewset, basename) registered on the API router
ROUTES = []
