"""The care records to and from the canonical dataset (``ontrack.dataset.schema``).

``load_tables`` turns canonical tables (from the simulator, an NHS TT extract or another
OnTrack) into records with bulk inserts; ``export_tables`` turns records back into
canonical tables, so the analytics run on the application's own data. The demo service
(``demo``), the ``load_dataset``, ``export_dataset`` and ``load_demo`` commands and the
service dashboard (key measures computed on the export) live here too: everything in the
web app that goes through the canonical dataset. It sits above the records app and
nothing in the records app imports it.
"""
