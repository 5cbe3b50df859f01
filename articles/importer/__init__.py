"""Front matter -> validated record -> database rows.

`import_paths` is the one entry point: the import_articles command, the admin
upload and the tests call it. `parse` is pure (no database); `write` owns the rows.
"""

from .run import ImportReport, SourceNotFound, discover, import_paths

__all__ = ["ImportReport", "SourceNotFound", "discover", "import_paths"]
