"""The OnTrack web application: care records, roles, scoping and audit (Django)."""
