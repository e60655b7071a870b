"""Which NHS Talking Therapies end codes fit what happened, and when ending needs a pause.

End codes (NHS TT v2.1 EndCode; docs/reference, "Code lists"): seen but not taken on for
a course of treatment (10, 11, 12, 13, 14, 16, 17, 95); taken on (46, 47, 48, 49, 96);
not assessed (50). "Taken on" means at least one treatment session; 46 ("mutually agreed
completion") means a finished course, which NHS TT counts from two treatment sessions.
"""

from __future__ import annotations

import datetime as dt

NOT_TAKEN_ON = frozenset({"10", "11", "12", "13", "14", "16", "17", "95"})
TAKEN_ON = frozenset({"46", "47", "48", "49", "96"})
NOT_ASSESSED = "50"
COMPLETED = "46"
# Codes that say the client stopped coming: nobody is discharged so without being contacted.
DISENGAGED = frozenset({"16", "47", "50"})
ATTEMPTS_BEFORE_DISCHARGE = 2


def end_code_problem(code: str, *, attended_contacts: int, treatment_sessions: int) -> str | None:
    """Return why ``code`` contradicts the contacts, or None if it fits.

    >>> end_code_problem("46", attended_contacts=2, treatment_sessions=1)
    'Mutually agreed completion needs at least two treatment sessions (there was 1).'
    >>> end_code_problem("11", attended_contacts=1, treatment_sessions=0) is None
    True
    """
    if code == COMPLETED and treatment_sessions < 2:
        return (
            "Mutually agreed completion needs at least two treatment sessions "
            f"(there {'was' if treatment_sessions == 1 else 'were'} {treatment_sessions})."
        )
    if code in TAKEN_ON and treatment_sessions < 1:
        return (
            "This end code is for someone taken on for treatment; no treatment session is recorded."
        )
    if code in NOT_TAKEN_ON and treatment_sessions > 0:
        return (
            "This end code is for someone seen but not taken on for treatment; "
            f"{treatment_sessions} treatment session(s) are recorded: choose a 'taken on' code."
        )
    if code in NOT_TAKEN_ON and attended_contacts == 0:
        return "Nobody has seen this client yet: the end code for that is 50 (not assessed)."
    if code == NOT_ASSESSED and attended_contacts > 0:
        return "'Not assessed' does not fit: the client attended a contact."
    return None


def silent_discharge_problem(
    code: str,
    *,
    missed_since_last_seen: int,
    attempts_since_missed: int,
    opt_in_deadline: dt.date | None,
    today: dt.date,
) -> str | None:
    """Return why discharging now would be silent, or None.

    A client who stopped coming (an end code in ``DISENGAGED`` after a missed appointment)
    is discharged only after at least two recorded attempts to reach them, or after an
    opt-in deadline that has passed.

    >>> silent_discharge_problem("47", missed_since_last_seen=1, attempts_since_missed=0,
    ...                          opt_in_deadline=None, today=dt.date(2026, 1, 1)) is None
    False
    """
    if code not in DISENGAGED or missed_since_last_seen == 0:
        return None
    if attempts_since_missed >= ATTEMPTS_BEFORE_DISCHARGE:
        return None
    if opt_in_deadline is not None and opt_in_deadline < today:
        return None
    return (
        "Nobody is discharged silently: after a missed appointment, record at least "
        f"{ATTEMPTS_BEFORE_DISCHARGE} attempts to contact the client (there "
        f"{'was' if attempts_since_missed == 1 else 'were'} {attempts_since_missed}), "
        "or wait until the opt-in deadline in their letter has passed."
    )


def early_ending_questions(*, at_caseness: bool, reliably_improved: bool) -> bool:
    """Say whether ending now must first ask if it is the client's choice and whether
    stepping up or another approach would serve better (ending too soon, DESIGN §1)."""
    return at_caseness and not reliably_improved
