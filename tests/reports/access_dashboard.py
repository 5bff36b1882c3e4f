"""Access-matrix rows of the dashboard pages and endpoints (joined into tests/test_access.py)."""

# URL-name prefixes answered as API calls (JSON bodies, 401 for anonymous users)
API_PREFIXES: tuple[str, ...] = ()

# (url name, who, method, url(cast), expected status, payload key or None)
ROWS: list = []

# payload key -> function of the cast giving the request body
PAYLOADS: dict = {}


def setup(cast) -> None:
    """Add the objects these rows need to the shared cast."""


def snapshot() -> tuple:
    """What a refused write must leave unchanged."""
    return ()
