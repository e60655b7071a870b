"""The care records to and from the canonical dataset (``ontrack.dataset.schema``).

``load_tables`` turns canonical tables (from the simulator, an NHS TT extract or another
OnTrack) into records with bulk inserts; ``export_tables`` turns records back into
canonical tables, so the analytics run on the application's own data.
"""

from ontrack.web.records.canonical.export import ExportError, export_tables
from ontrack.web.records.canonical.load import LoadError, LoadSummary, load_tables

__all__ = ["ExportError", "LoadError", "LoadSummary", "export_tables", "load_tables"]
