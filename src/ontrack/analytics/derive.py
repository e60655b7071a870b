"""The per-referral table every measure is counted from, as Ibis expressions.

NHS England derives a handful of fields on each referral (first treatment date, number of
treatment contacts, caseness, recovery and reliable-change flags) and counts the key
measures from them (reference §2). This module derives the same fields from the canonical
contact and score tables, once, on whichever engine holds the data.

Choices that make every engine give identical answers (docs/analytics.md, "Definitions"):

- A contact is *seen* when attended (AttendOrDNACode 5 or 6) or unplanned
  (PlannedCareContIndicator 'N'), as NHS England counts it; a *treatment contact* is a seen
  contact with AppType 02, 03 or 05.
- Scores count only at seen contacts that are not follow-ups (AppType 06). The first
  score of a measure is its earliest; the last its latest. Contacts on the same day are
  ordered by their time (``contact_time``, when recorded; a contact without one comes
  first); two scores of one measure at the same moment are taken in order of total, lowest
  first, so the rule never depends on identifier order or collation.
- The referral's therapist, therapy and step are those of its last treatment contact; two
  treatment contacts at the same last moment resolve to the therapist and therapy listed
  last in their sorted code lists.
- Appointments are every care contact (any AttendOrDNACode), as NHS England's DNA rate
  divides by them (``SUM(ApptDNA) / SUM(Appointments)``).

Ordering without window functions: a moment (day × 86,401 + second of the day + 1, or + 0
with no time) and a value are packed into one integer (``moment * 2**31 + value``) so that
``min``/``max`` pick the earliest/latest contact and a modulo recovers the value. Plain
aggregates are fast on every engine and have no ties.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from ontrack.analytics.measures import contribution_column, contributions
from ontrack.analytics.period import Period
from ontrack.analytics.thresholds import TOTAL_SCALE, MeasureThreshold, Thresholds
from ontrack.dataset import code_lists
from ontrack.dataset.schema import ATTENDED, TREATMENT_APP_TYPES

DAY_SHIFT = 2**31  # day number × DAY_SHIFT + value; values stay below 2**31
THERAPY_SLOTS = 32  # therapy index packed beside the therapist index
KEPT_COLUMNS = (
    "service_id",
    "referral_date",
    "first_treatment_date",
    "second_treatment_date",
    "end_date",
    "age",
    "gender",
    "ethnicity",
    "imd_decile",
    "problem_descriptor",
    "n_treatment",
    "caseness",
    "recovered",
    "dep_first",
    "anx_case_first",
    "therapist_idx",
    "therapy_idx",
    "step_pathway",
    "offtrack_alert",
    "offtrack_acted",
)
DNA = "3"
FOLLOW_UP = "06"
ASSESSMENT = "01"
SECONDS_PER_DAY = 86_401  # 0 = no time recorded, 1 + second of the day otherwise


def therapy_codes() -> list[str]:
    """Therapy codes in index order (index 0 = none recorded)."""
    return sorted(code_lists()["therapy"])


def derive_referrals(
    tables: dict[str, ir.Table],
    thresholds: Thresholds,
    period: Period,
    contacts: ir.Table,
    threshold_table: ir.Table,
    as_at: dt.date | None = None,
) -> ir.Table:
    """Return one row per referral with every field the measures count.

    ``contacts`` is ``prepare_contacts``' table (materialised once: every summary reads it);
    ``threshold_table`` is ``Thresholds.as_arrow()`` on the engine; ``as_at`` the day the
    snapshot measures (waiting list, open referrals) are taken on.
    """
    referral = tables["referral"]
    out = referral.select(
        "referral_id",
        "service_id",
        "referral_date",
        "end_date",
        "age",
        "gender",
        "ethnicity",
        "imd_decile",
        "problem_descriptor",
        "source_of_referral",
        "end_code",
        intended_anxiety=intended_anxiety(referral, thresholds),
    )
    out = _attach(out, _contact_summary(contacts, period, as_at))
    out = _attach(out, _second_treatment(contacts))
    out = _attach(out, _score_summary(tables["score"], contacts, thresholds))
    out = _attach(out, _goal_summary(tables["goal_rating"], contacts))
    out = _attach(out, _homework_summary(tables["homework"]))
    if (alert := tables.get("alert")) is not None:
        out = _attach(out, _alert_summary(alert))
    else:
        out = out.mutate(offtrack_alert=ibis.literal(False), offtrack_acted=ibis.literal(False))
    out = _outcomes(_fill_counts(out), thresholds, threshold_table)
    # Keep what the breakdowns and therapist effects read: the groups, the dates that place
    # each family in a month, the case-mix inputs, and each count's contribution.
    return out.select(
        *KEPT_COLUMNS,
        **{contribution_column(n): v for n, v in contributions(out, period, as_at).items()},
    )


# -- contacts -------------------------------------------------------------------------------


def intended_anxiety(referral: ir.Table, thresholds: Thresholds) -> ir.StringValue:
    """The anxiety measure NHS TT pairs with the PHQ-9 for each referral's descriptor."""
    return ibis.cases(
        *[(referral.problem_descriptor == d, m) for d, m in thresholds.anxiety_by_descriptor],
        else_=thresholds.default_anxiety,
    )


def prepare_contacts(
    contact: ir.Table,
    referral: ir.Table,
    thresholds: Thresholds,
    therapist_index: ir.Table,
    therapy_index: ir.Table,
) -> ir.Table:
    """The contact columns the measures read, with day numbers, flags and indexes.

    ``therapist_index`` (``therapist_id``, ``therapist_idx``) and ``therapy_index``
    (``therapy``, ``therapy_idx``) number identifiers 1, 2, ... in sorted order; they are
    built in Python so that ordering never depends on an engine's collation. Each contact
    also carries its referral's intended anxiety measure, so that scores can be sorted into
    depression, GAD-7 and ADSM without a second join.
    """
    c = contact.select(
        "contact_id",
        "referral_id",
        "therapist_id",
        "contact_date",
        "app_type",
        "attendance",
        "step",
        "session_number",
        "therapy",
        "planned",
        second=_second_of_day(contact),
    )
    idx = therapist_index.rename(tid="therapist_id")
    c = c.left_join(idx, c.therapist_id == idx.tid).drop("tid")
    tdx = therapy_index.rename(code="therapy")
    c = c.left_join(tdx, c.therapy == tdx.code).drop("code", "therapy")
    intended = referral.select(
        ref_id="referral_id", intended=intended_anxiety(referral, thresholds)
    )
    c = c.left_join(intended, c.referral_id == intended.ref_id).drop("ref_id")
    attended = c.attendance.isin(sorted(ATTENDED)).fill_null(False)
    seen = attended | (c.planned == False).fill_null(False)  # noqa: E712 (an Ibis expression)
    days = c.contact_date.epoch_days().cast("int64")
    return c.mutate(
        days=days,
        moment=days * SECONDS_PER_DAY + c.second,
        seen=seen,
        treatment=seen & c.app_type.isin(sorted(TREATMENT_APP_TYPES)),
        therapist_idx=c.therapist_idx.fill_null(0).cast("int64"),
        therapy_idx=c.therapy_idx.fill_null(0).cast("int64"),
    ).drop("therapist_id", "planned", "second")


def _second_of_day(contact: ir.Table) -> ir.IntegerValue:
    """1 + the second of the day of ``contact_time`` ('HH:MM' or 'HH:MM:SS'); 0 when absent.

    Appending ':00' makes 'HH:MM' and 'HH:MM:SS' both have seconds at characters 6-7,
    so no engine has to branch on the length.
    """
    if "contact_time" not in contact.columns:
        return ibis.literal(0, "int64")
    t = contact.contact_time.concat(":00")
    second = (
        t.substr(0, 2).cast("int64") * 3600
        + t.substr(3, 2).cast("int64") * 60
        + t.substr(6, 2).cast("int64")
    )
    return (second + 1).fill_null(0).cast("int64")


def _contact_summary(c: ir.Table, period: Period, as_at: dt.date | None) -> ir.Table:
    attribution = c.therapist_idx * THERAPY_SLOTS + c.therapy_idx.cast("int64")
    last_key = c.moment * DAY_SHIFT + attribution
    in_period = period.contains(c.contact_date)
    by_then = c.treatment & (c.contact_date <= as_at) if as_at else ibis.literal(False)
    return c.group_by("referral_id").aggregate(
        last_treatment_as_at=c.contact_date.max(where=by_then),
        n_attended=c.count(where=c.seen),
        n_treatment=c.count(where=c.treatment),
        first_treatment_date=c.contact_date.min(where=c.treatment),
        last_treatment_key=last_key.max(where=c.treatment),
        min_step=c.step.min(where=c.treatment),
        max_step=c.step.max(where=c.treatment),
        dna_in_period=c.count(where=in_period & (c.attendance == DNA)),
        appointments_in_period=c.count(where=in_period),
    )


def _second_treatment(c: ir.Table) -> ir.Table:
    """The date of each referral's second treatment contact (TherapySession_SecondDate).

    Two treatment contacts on the first day make the second on that day; otherwise it is
    the first later day with one. Plain aggregates cannot pick a second-smallest value, so
    the treatment contacts are joined to their referral's first date.
    """
    t = c.filter(c.treatment).select("referral_id", "contact_date")
    first = t.group_by(fid="referral_id").aggregate(first=t.contact_date.min())
    j = t.join(first, t.referral_id == first.fid)
    agg = j.group_by("referral_id").aggregate(
        first=j.first.min(),
        on_first=j.count(where=j.contact_date == j.first),
        later=j.contact_date.min(where=j.contact_date > j.first),
    )
    return agg.select(
        "referral_id",
        second_treatment_date=ibis.ifelse(agg.on_first >= 2, agg.first, agg.later),
    )


def contact_measures(c: ir.Table, period: Period) -> ir.Table:
    """Count appointments and DNAs in the period by contact therapist and contact month."""
    keep = c.filter(period.contains(c.contact_date))
    keep = keep.mutate(month_key=month_key(keep.contact_date).cast("int64"))
    return keep.group_by(["therapist_idx", "month_key"]).aggregate(
        appointments=keep.count(),
        dna=keep.count(where=keep.attendance == DNA),
    )


def month_key(date: ir.DateValue) -> ir.IntegerValue:
    """Return year × 100 + month (202404), the same on every engine."""
    return date.year() * 100 + date.month()


# -- scores ---------------------------------------------------------------------------------


def _score_summary(score: ir.Table, contacts: ir.Table, thresholds: Thresholds) -> ir.Table:
    """First and last total of the PHQ-9, GAD-7 and the intended ADSM per referral, packed
    as day keys (``n_*``, ``kmin_*``, ``kmax_*`` for the roles dep, gad and adsm)."""
    s = score.filter(score.measure.isin(list(thresholds.codes))).select(
        "contact_id", "measure", "total"
    )
    usable = contacts.filter(contacts.seen & (contacts.app_type != FOLLOW_UP)).select(
        cid="contact_id", rid="referral_id", score_moment="moment", intended="intended"
    )
    j = s.join(usable, s.contact_id == usable.cid)
    role = ibis.cases(
        (j.measure == thresholds.depression, "dep"),
        (j.measure == thresholds.default_anxiety, "gad"),
        (j.measure == j.intended, "adsm"),
        else_="other",
    )
    scaled = (j.total * TOTAL_SCALE).round().cast("int64")
    j = j.select("rid", role=role, key=j.score_moment * DAY_SHIFT + scaled)
    aggs: dict[str, ir.Scalar] = {}
    for name in ("dep", "gad", "adsm"):
        mine = j.role == name
        aggs[f"n_{name}"] = j.count(where=mine)
        aggs[f"kmin_{name}"] = j.key.min(where=mine)
        aggs[f"kmax_{name}"] = j.key.max(where=mine)
    return j.group_by(referral_id=j.rid).aggregate(**aggs)


# -- goals, homework, alerts ----------------------------------------------------------------


def _goal_summary(goal: ir.Table, contacts: ir.Table) -> ir.Table:
    """Goal ratings made at an assessment or by treatment session 2, per referral."""
    early = contacts.filter(
        (contacts.app_type == ASSESSMENT) | (contacts.session_number <= 2).fill_null(False)
    )
    g = goal.filter(goal.contact_id.isin(early.contact_id))
    return g.group_by("referral_id").aggregate(early_goal_ratings=g.count())


def _homework_summary(homework: ir.Table) -> ir.Table:
    return homework.group_by("referral_id").aggregate(
        homework_set=homework.count(),
        homework_reviewed=homework.count(where=homework.reviewed_contact_id.notnull()),
        homework_done=homework.count(where=(homework.outcome == "done").fill_null(False)),
    )


def _alert_summary(alert: ir.Table) -> ir.Table:
    offtrack = alert.kind == "off_track"
    agg = alert.group_by("referral_id").aggregate(
        n_offtrack=alert.count(where=offtrack),
        n_offtrack_acted=alert.count(where=offtrack & alert.acted_at.notnull()),
    )
    return agg.select(
        "referral_id",
        offtrack_alert=agg.n_offtrack > 0,
        offtrack_acted=agg.n_offtrack_acted > 0,
    )


# -- assembling -----------------------------------------------------------------------------


def _attach(left: ir.Table, right: ir.Table) -> ir.Table:
    right = right.rename(rid_="referral_id")
    return left.left_join(right, left.referral_id == right.rid_).drop("rid_")


_COUNT_COLUMNS = (
    "n_dep",
    "n_gad",
    "n_adsm",
    "n_attended",
    "n_treatment",
    "dna_in_period",
    "appointments_in_period",
    "early_goal_ratings",
    "homework_set",
    "homework_reviewed",
    "homework_done",
)


def _fill_counts(t: ir.Table) -> ir.Table:
    fills: dict[str, ir.Value] = {c: t[c].fill_null(0) for c in _COUNT_COLUMNS}
    fills["offtrack_alert"] = t.offtrack_alert.fill_null(False)
    fills["offtrack_acted"] = t.offtrack_acted.fill_null(False)
    return t.mutate(**fills)


def _unpack(key: ir.IntegerValue) -> ir.FloatingValue:
    scaled: ir.IntegerValue = key % DAY_SHIFT
    return scaled.cast("float64") / TOTAL_SCALE


def is_case_expr(total: ir.NumericValue, m: MeasureThreshold) -> ir.BooleanValue:
    """Ibis twin of ``MeasureThreshold.is_case``."""
    if m.higher_is_better:
        return total <= m.cutoff if m.cutoff_inclusive else total < m.cutoff
    return total >= m.cutoff if m.cutoff_inclusive else total > m.cutoff


def reliable_exprs(
    first: ir.NumericValue, last: ir.NumericValue, m: MeasureThreshold
) -> tuple[ir.BooleanValue, ir.BooleanValue]:
    """Return (reliable improvement, reliable deterioration), as ``MeasureThreshold.reliable``."""
    change = last - first
    size = change.abs()
    if m.reliable_change_inclusive:
        reliable = size >= m.reliable_change - 1e-9
    else:
        reliable = size > m.reliable_change + 1e-9
    towards_health = change if m.higher_is_better else -change
    return reliable & (towards_health > 0), reliable & (towards_health < 0)


def _beyond(
    total: ir.NumericValue, cut: ir.Value, inclusive: ir.Value, higher_is_better: ir.Value
) -> ir.BooleanValue:
    """Ibis twin of ``MeasureThreshold.is_case`` with thresholds taken from columns."""
    # total - cut > 0 exactly when total > cut, for any finite doubles.
    sign = ibis.ifelse(higher_is_better, -1.0, 1.0)
    return (sign * (total - cut) > 0) | (inclusive & (total == cut))


def _outcomes(t: ir.Table, th: Thresholds, threshold_table: ir.Table) -> ir.Table:
    dep = th.measure(th.depression)
    use_adsm = (t.intended_anxiety != th.default_anxiety) & (t.n_adsm >= 2)
    t = t.mutate(
        anxiety_measure=ibis.ifelse(use_adsm, t.intended_anxiety, th.default_anxiety),
        n_anx=ibis.ifelse(use_adsm, t.n_adsm, t.n_gad),
        dep_first=_unpack(t.kmin_dep),
        dep_last=_unpack(t.kmax_dep),
        anx_first=_unpack(ibis.ifelse(use_adsm, t.kmin_adsm, t.kmin_gad)),
        anx_last=_unpack(ibis.ifelse(use_adsm, t.kmax_adsm, t.kmax_gad)),
    )
    a = threshold_table.rename(a_measure="measure")
    t = t.left_join(a, t.anxiety_measure == a.a_measure).drop("a_measure")
    dep_imp, dep_det = reliable_exprs(t.dep_first, t.dep_last, dep)
    change = t.anx_last - t.anx_first
    size = change.abs()
    reliable = ibis.ifelse(
        t.reliable_change_inclusive,
        size >= t.reliable_change - 1e-9,
        size > t.reliable_change + 1e-9,
    )
    towards_health = ibis.ifelse(t.higher_is_better, change, -change)
    t = t.mutate(
        paired=(t.n_dep >= 2) & (t.n_anx >= 2),
        dep_case_first=is_case_expr(t.dep_first, dep),
        dep_case_last=is_case_expr(t.dep_last, dep),
        anx_case_first=_beyond(t.anx_first, t.cutoff, t.cutoff_inclusive, t.higher_is_better),
        anx_case_last=_beyond(t.anx_last, t.cutoff, t.cutoff_inclusive, t.higher_is_better),
        dep_imp=dep_imp,
        dep_det=dep_det,
        anx_imp=reliable & (towards_health > 0),
        anx_det=reliable & (towards_health < 0),
    )
    caseness = (t.paired & (t.dep_case_first | t.anx_case_first)).fill_null(False)
    recovered = caseness & ~t.dep_case_last & ~t.anx_case_last
    improved = t.paired & (t.dep_imp | t.anx_imp) & ~(t.dep_det | t.anx_det)
    deteriorated = t.paired & (t.dep_det | t.anx_det) & ~(t.dep_imp | t.anx_imp)
    t = t.mutate(
        caseness=caseness,
        not_caseness=t.paired & ~caseness,
        recovered=recovered.fill_null(False),
        improved=improved.fill_null(False),
        deteriorated=deteriorated.fill_null(False),
    )
    attribution = t.last_treatment_key % DAY_SHIFT
    return t.select(
        "referral_id",
        "service_id",
        "referral_date",
        "end_date",
        "age",
        "gender",
        "ethnicity",
        "imd_decile",
        "problem_descriptor",
        "source_of_referral",
        "end_code",
        "n_attended",
        "n_treatment",
        "first_treatment_date",
        "second_treatment_date",
        "last_treatment_as_at",
        "dna_in_period",
        "appointments_in_period",
        "anxiety_measure",
        "paired",
        "caseness",
        "not_caseness",
        "recovered",
        "improved",
        "deteriorated",
        "dep_first",
        "anx_first",
        "anx_case_first",
        "early_goal_ratings",
        "homework_set",
        "homework_reviewed",
        "homework_done",
        "offtrack_alert",
        "offtrack_acted",
        wait_days=(
            t.first_treatment_date.epoch_days().cast("int64")
            - t.referral_date.epoch_days().cast("int64")
        ),
        therapist_idx=(attribution // THERAPY_SLOTS).fill_null(0).cast("int64"),
        therapy_idx=(attribution % THERAPY_SLOTS).fill_null(0).cast("int64"),
        step_pathway=ibis.cases(
            ((t.min_step == 2) & (t.max_step == 2), "low intensity only"),
            ((t.min_step == 3) & (t.max_step == 3), "high intensity only"),
            ((t.min_step == 2) & (t.max_step == 3), "low and high intensity"),
            else_="not known",
        ),
        adsm_expected=t.intended_anxiety != th.default_anxiety,
        adsm_paired=t.n_adsm >= 2,
        no_change=(t.paired & ~t.improved & ~t.deteriorated).fill_null(False),
        reliably_recovered=t.recovered & t.improved,
    )
