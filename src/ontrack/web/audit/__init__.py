"""The append-only audit trail: every change to a clinical record and every view of one."""
