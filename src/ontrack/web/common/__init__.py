"""What the web apps share and that knows nothing of any one of them: the national code
lists and OnTrack's statuses (``codes``), the errors and checks every action uses
(``actions``), form plumbing (``forms``) and request helpers (``http``).

It sits below every app (common < audit < accounts < records < canonical < portal) and
imports none of them; ``tests/unit/test_import_graph.py`` holds that order.
"""
