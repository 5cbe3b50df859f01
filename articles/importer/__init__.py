"""Front matter -> validated record -> database rows.

`import_paths` is the one entry point: the import_articles command, the admin
upload and the tests call it. `parse` is pure (no database); `write` owns the rows.
The names below load lazily, so worker processes can import `parse` and `parse_pool` without Django.
"""

__all__ = ["ImportReport", "Parsed", "SourceNotFound", "discover", "import_paths", "read_and_parse"]
# Reading one file without writing it (an import job's look at what its files will update).
_FROM_PARSE = {"Parsed", "read_and_parse"}


def __getattr__(name):
    if name in _FROM_PARSE:
        from . import parse

        return getattr(parse, name)
    if name in __all__:
        from . import run

        return getattr(run, name)
    raise AttributeError(name)
