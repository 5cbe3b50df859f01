"""The database engines, one module each (the way Django keeps db/backends/<engine>/).

Everything that differs between SQLite and PostgreSQL lives in articles/db/sqlite.py and
articles/db/postgresql.py, behind the same names (articles/db/base.py: INTERFACE): bulk
writing, the first load's index catalogue, the search backends, estimated counts and the
trigger definitions the migrations install. The rest of the code asks `engine()` for the
module of a connection, and asks it questions (`engine().supports_first_load`), never the
vendor: this is the only place that reads `connection.vendor`.
"""

from django.db import DEFAULT_DB_ALIAS, connections

from . import base, postgresql, sqlite

ENGINES = {"sqlite": sqlite, "postgresql": postgresql}


def _connection(connection):
    # The real wrapper, not django.db.connection's proxy: the bulk writer calls per batch.
    return connections[DEFAULT_DB_ALIAS] if connection is None else connection


def engine(connection=None):
    """The engine module of `connection` (default: the default database's); base for an engine
    Newsroom has no module for."""
    return ENGINES.get(_connection(connection).vendor, base)


def for_alias(alias):
    """The engine module of the database `alias` (a queryset's `db`)."""
    return engine(connections[alias])


def engine_name(connection=None):
    """"sqlite", "postgresql", or the vendor of another engine."""
    return _connection(connection).vendor


def is_engine(name, connection=None):
    return engine_name(connection) == name
