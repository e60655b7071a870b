"""Forms of the care-record pages, one module per area. They parse input and show
errors; the actions (``ontrack.web.records.actions``) decide what is valid."""
