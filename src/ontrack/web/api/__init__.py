"""The machine interface: REST with an OpenAPI schema (``/api/``), FHIR R4 (``/fhir/``) and
the integration tokens that open them (docs/api.md, ADRs 0130-0134).

It adds no rule of its own: reads go through the scoped managers (``records.scoping``),
writes through the same actions as the pages.
"""
