"""Plain bulk INSERT and UPDATE statements for one model, written by the engine's own means
(executemany on SQLite, COPY on PostgreSQL: articles/db/<engine>.py insert_rows/update_rows).

bulk_create and bulk_update build SQL and prepare every value in Python, which costs more
than the database's own work here. Rows are dicts of attnames (missing ones take the
field's default); only values that need it (JSON, timestamps) go through the field.
"""

import functools
import json
import operator

from django.db import DEFAULT_DB_ALIAS, connections, models

from . import engine


class Table:
    def __init__(self, model, *, with_pk=False):
        self.model = model
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.fields = fields
        self.attnames = [f.attname for f in fields]
        self.defaults = {f.attname: f.get_default for f in fields}
        self.prepared = {f.attname: f for f in fields if isinstance(f, (models.JSONField, models.DateTimeField))}

    def _converters(self, conn):
        """attname -> function preparing a value for `conn` (None: passed as it is)."""
        ops, converters = conn.ops, {}
        for attname, field in self.prepared.items():
            if isinstance(field, models.JSONField):
                converters[attname] = _json_converter(ops, field.encoder, as_text=engine(conn).json_as_text)
            else:
                converters[attname] = _same_as_last(ops.adapt_datetimefield_value)
        return converters

    def _params(self, rows, attnames):
        conn = connections[DEFAULT_DB_ALIAS]  # the real wrapper: the proxy is slow per value
        converters = self._converters(conn)
        # Once per call: rows that lack a column share its default.
        defaults = {attname: self.defaults[attname]() for attname in attnames}
        pick = _picker(attnames)
        convert = [(i, converters[a]) for i, a in enumerate(attnames) if a in converters]
        params = []
        for row in rows:
            values = pick({**defaults, **row})  # in C: no Python step per column
            for i, fn in convert:
                values[i] = fn(values[i])
            params.append(values)
        return params

    def row_of(self, obj):
        return {attname: getattr(obj, attname) for attname in self.attnames}

    def insert(self, rows):
        params = self._params(rows, self.attnames)
        if not params:
            return
        conn = connections[DEFAULT_DB_ALIAS]
        engine(conn).insert_rows(conn, self.model._meta.db_table, [f.column for f in self.fields], params)

    def update(self, objs, attnames):
        """UPDATE the given columns of model instances, by primary key."""
        if not objs:
            return
        columns = [self.model._meta.get_field(a.removesuffix("_id") if a.endswith("_id") else a) for a in attnames]
        attnames = [f.attname for f in columns]
        params = [values + [obj.pk] for values, obj in zip(self._params(map(self.row_of, objs), attnames), objs)]
        conn = connections[DEFAULT_DB_ALIAS]
        engine(conn).update_rows(
            conn, self.model._meta.db_table, self.model._meta.pk.column, [f.column for f in columns], params
        )


def _picker(names):
    """row dict -> list of its values for `names`, in order."""
    get = operator.itemgetter(*names)
    if len(names) == 1:
        return lambda row: [get(row)]
    return lambda row: list(get(row))


def _json_converter(ops, encoder, *, as_text=False):
    """A JSON column's values -> database values. NULL stays SQL NULL, as
    JSONField.get_db_prep_save does. Empty mappings and lists of text (source_keys, mostly in
    one of a few key orders) are encoded once per batch: they are most of a batch's JSON values.
    as_text: the JSON text itself, for PostgreSQL's COPY (whose text format takes it as it is;
    a Jsonb wrapper per value costs more than the dump)."""
    if as_text:
        dumps = functools.partial(json.dumps, cls=encoder)
    else:
        dumps = functools.partial(ops.adapt_json_value, encoder=encoder)
    known = {}

    def convert(value):
        if value is None:
            return None
        kind = type(value)
        if (kind is dict and not value) or (kind is list and all(type(item) is str for item in value)):
            key = (kind, *value)
            found = known.get(key)
            if found is None:
                found = known[key] = dumps(value)
            return found
        return dumps(value)

    return convert


def _same_as_last(convert):
    """`convert`, answering a repeat of the previous value without converting it again (a
    batch's rows share one `now` in four timestamp columns)."""
    last = [object(), None]  # holds the value: its identity cannot be reused while compared

    def converter(value):
        if value is not last[0]:
            last[:] = value, convert(value)
        return last[1]

    return converter


def allocate_ids(model, count):
    """`count` fresh primary keys, taken inside the batch's transaction (so rows can be
    inserted with their ids in one statement, with no RETURNING round trip)."""
    if not count:
        return []
    conn = connections[DEFAULT_DB_ALIAS]
    return engine(conn).allocate_ids(conn, model._meta.db_table, model._meta.pk.column, count)
