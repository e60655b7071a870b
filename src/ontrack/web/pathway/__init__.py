"""The pathway from referral to discharge: intake, assessment and triage, waiting list,
allocation, appointments, change of course and ending (docs/pathway.md)."""
