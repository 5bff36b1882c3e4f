"""A PostgreSQL database for one benchmark run: DATABASE_URL, or one created on a server and
dropped after the run."""

import os
import sys
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit


@contextmanager
def database(server: str | None, name: str, *, keep: bool, bench: str):
    """The URL of the database to use: DATABASE_URL (PostgreSQL only), or one created on
    `server` for this run and dropped after it."""
    if not server:
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            sys.exit(
                f"{bench} measures PostgreSQL and refuses to run on "
                f"{'SQLite' if not url or url.startswith('sqlite') else url.split(':')[0]}.\n"
                "Set DATABASE_URL=postgres://USER@HOST:PORT/DBNAME (a database you can fill), or pass "
                "--server postgres://USER@HOST:PORT to let it create and drop a database of its own."
            )
        yield url
        return
    import psycopg2

    parts = urlsplit(server)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("--server must be a PostgreSQL URL: postgres://USER@HOST:PORT")
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone():
            sys.exit(f"The database {name} already exists: drop it first (it is not this run's to drop).")
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        if keep:
            print(f"kept the database {name}")
        else:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()
