"""Scratch PostgreSQL databases for the benchmarks: an address on the same server under another
name, and statements (CREATE / DROP DATABASE) run outside a transaction."""

from urllib.parse import urlsplit, urlunsplit


def with_db(url: str, name: str) -> str:
    """``url`` with its database name replaced by ``name``."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def admin(url: str, statement: str) -> None:
    """Run ``statement`` on the server of ``url``, connected to its ``postgres`` database."""
    import psycopg2

    conn = psycopg2.connect(with_db(url, "postgres"))
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(statement)
    finally:
        conn.close()
