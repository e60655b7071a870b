"""Forms of the pathway's pages. They parse what was typed and show the actions' messages
beside their fields; the rules are the actions' (``ontrack.web.pathway.actions``)."""

from __future__ import annotations

from typing import Any

from django import forms

from ontrack.measures import get_measure
from ontrack.pathway import Preference
from ontrack.web.common.codes import (
    AppType,
    Attendance,
    ConsMechanism,
    ContactPreference,
    EndCode,
    Ethnicity,
    Gender,
    ProblemDescriptor,
    SourceOfReferral,
    Step,
    Therapy,
)
from ontrack.web.common.forms import AccessibleFormMixin
from ontrack.web.pathway.codes import (
    AttemptMethod,
    AttemptOutcome,
    CircumstanceKind,
    ClientsChoice,
    Considered,
    CourseChangeKind,
    Decision,
    PreferenceKind,
    Readiness,
    RiskLevel,
)
from ontrack.web.records.forms.questionnaires import MeasureGroup, parse_quick

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERROR = {"invalid": "Enter a real date, for example 27 3 2026."}
YES_NO = [("", "Not recorded"), ("yes", "Yes"), ("no", "No")]


def _date(label: str, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=DATE, error_messages=DATE_ERROR, **kwargs)


def _text(label: str, rows: int = 3, **kwargs: Any) -> forms.CharField:
    kwargs.setdefault("required", False)
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


def _choice(label: str, choices: Any, blank: str = "Choose…", **kwargs: Any) -> forms.ChoiceField:
    kwargs.setdefault("required", False)
    return forms.ChoiceField(label=label, choices=[("", blank), *choices], **kwargs)


def quick_answers(code: str, text: str) -> list[Any] | None:
    """Read typed answers ("210110000") for a measure; None when left blank."""
    if not text.strip():
        return None
    group = MeasureGroup(get_measure(code), f"questionnaire:{code}", "", (), "")
    try:
        return list(parse_quick(group, text))
    except ValueError as exc:
        raise forms.ValidationError(str(exc)) from exc


def typed_questionnaires(data: Any) -> dict[str, list[Any]]:
    """The PHQ-9 and GAD-7 answers typed on a pathway form (fields ``phq9``, ``gad7``), read
    even when the form did not validate, so a risk answer on it is never lost."""
    found: dict[str, list[Any]] = {}
    for code, name in (("PHQ-9", "phq9"), ("GAD-7", "gad7")):
        text = data.get(name) if hasattr(data, "get") else None
        if not isinstance(text, str):
            continue
        try:
            answers = quick_answers(code, text)
        except forms.ValidationError:
            continue
        if answers:
            found[code] = answers
    return found


def yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class PathwayForm(AccessibleFormMixin, forms.Form):
    """A pathway form: NHS.UK classes, errors wired to fields."""


class SelfReferralForm(PathwayForm):
    """The public self-referral form (no account)."""

    given_name = forms.CharField(label="First name", max_length=100, required=False)
    family_name = forms.CharField(label="Last name", max_length=100, required=False)
    date_of_birth = _date("Date of birth", required=False)
    phone = forms.CharField(label="Telephone number", max_length=32, required=False)
    email = forms.CharField(label="Email address", max_length=254, required=False)
    contact_preference = _choice(
        "How would you like us to contact you?", ContactPreference.choices, "No preference"
    )
    ok_to_leave_message = forms.BooleanField(
        label="We may leave a message saying who we are", required=False
    )
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    gp_practice = forms.CharField(label="Your GP practice", max_length=200, required=False)
    what_is_happening = _text(
        "What is happening for you?",
        5,
        max_length=5000,
        help_text="A few sentences are enough: what has been hard, and for how long.",
    )
    consent = forms.BooleanField(
        label="I agree that the service may keep these details to contact me about therapy",
        required=False,
    )

    def details(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ClientReferralForm(PathwayForm):
    """The staff intake: a new client and their referral."""

    given_name = forms.CharField(label="First name", max_length=100, required=False)
    family_name = forms.CharField(label="Last name", max_length=100, required=False)
    date_of_birth = _date("Date of birth", required=False)
    gender = _choice("Gender", Gender.choices, required=True)
    ethnicity = _choice("Ethnic category", Ethnicity.choices, required=True)
    first_language = forms.CharField(label="First language", max_length=64, required=False)
    phone = forms.CharField(label="Telephone", max_length=32, required=False)
    email = forms.CharField(label="Email", max_length=254, required=False)
    address = _text("Address", 2)
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    contact_preference = _choice(
        "How they would like to be contacted", ContactPreference.choices, "No preference"
    )
    consent_to_sms = _choice("Text messages allowed?", YES_NO[1:], "Not recorded")
    consent_to_email = _choice("Emails allowed?", YES_NO[1:], "Not recorded")
    consent_to_treatment = _choice("Consents to treatment?", YES_NO[1:], "Not recorded")
    gp_practice = forms.CharField(label="GP practice", max_length=200, required=False)
    referral_date = _date("Date the referral was received", required=False)
    source = _choice("Source of referral", SourceOfReferral.choices, required=True)
    problem_descriptor = _choice(
        "Problem descriptor (if known)", ProblemDescriptor.choices, "Not known yet"
    )
    employed = _choice("In paid employment?", YES_NO[1:], "Not known")
    not_a_duplicate = forms.BooleanField(
        label="I have checked: this is a different person", required=False
    )

    CLIENT_FIELDS = (
        "given_name",
        "family_name",
        "date_of_birth",
        "gender",
        "ethnicity",
        "first_language",
        "phone",
        "email",
        "address",
        "postcode",
        "contact_preference",
        "gp_practice",
    )

    def client_details(self) -> dict[str, Any]:
        data = self.cleaned_data
        details = {name: data.get(name) or "" for name in self.CLIENT_FIELDS}
        details["date_of_birth"] = data.get("date_of_birth")
        for name in ("consent_to_sms", "consent_to_email", "consent_to_treatment"):
            answer = yes_no(data.get(name) or "")
            if answer is not None:  # left blank: not recorded
                details[name] = answer
        return details


class DeclineForm(PathwayForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = _text("Why it is not taken forward", 2, max_length=2000)


def _preference_fields(form: forms.Form) -> None:
    for kind, label in PreferenceKind.choices:
        if kind == PreferenceKind.GENDER:
            field: forms.Field = _choice(label, Gender.choices, "No preference")
        elif kind == PreferenceKind.MODALITY:
            field = _choice(label, Therapy.choices, "No preference")
        elif kind == PreferenceKind.FORMAT:
            field = _choice(label, ConsMechanism.choices, "No preference")
        else:
            field = forms.CharField(label=label, max_length=200, required=False)
        form.fields[f"pref_{kind}"] = field
        form.fields[f"pref_{kind}_essential"] = forms.BooleanField(
            label="Essential", required=False
        )


class TriageForm(PathwayForm):
    """The assessment: measures, risk and safety plan, circumstances, preferences, decision."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    assessed_on = _date("Date of the assessment", required=False)
    attendance = forms.ChoiceField(
        label="Attendance",
        choices=[
            (Attendance.ATTENDED_ON_TIME.value, Attendance.ATTENDED_ON_TIME.label),
            (Attendance.ARRIVED_LATE_SEEN.value, Attendance.ARRIVED_LATE_SEEN.label),
        ],
        widget=forms.RadioSelect,
        initial=Attendance.ATTENDED_ON_TIME.value,
    )
    cons_mechanism = forms.ChoiceField(label="How it took place", choices=ConsMechanism.choices)
    problem_descriptor = _choice("Problem descriptor", ProblemDescriptor.choices, "Not known yet")
    phq9 = forms.CharField(label="PHQ-9 answers in order (9 digits, 0-3)", required=False)
    gad7 = forms.CharField(label="GAD-7 answers in order (7 digits, 0-3)", required=False)
    adsm_total = forms.FloatField(label="ADSM total", required=False)
    wsas_total = forms.FloatField(
        label="WSAS total (0-40)", required=False, help_text="Work and Social Adjustment Scale."
    )
    asked_directly = forms.BooleanField(
        label="Suicidal thoughts and intent were asked about directly", required=False
    )
    risk_to_self = _choice("Risk to self", RiskLevel.choices, required=True)
    risk_to_self_detail = _text("Risk to self: what was found")
    risk_to_others = _choice("Risk to others", RiskLevel.choices, required=True)
    risk_to_others_detail = _text("Risk to others: what was found")
    protective_factors = _text("Protective factors")
    safety_plan = _text("Safety plan")
    crisis_contacts = _text("Crisis contacts", 2)
    readiness = forms.ChoiceField(
        label="Is this the right time for therapy?",
        choices=Readiness.choices,
        widget=forms.RadioSelect,
    )
    readiness_note = _text("About readiness", 2)
    decision = forms.ChoiceField(
        label="Decision", choices=Decision.choices, widget=forms.RadioSelect
    )
    step = _choice("Step offered", Step.choices)
    therapy = _choice("Therapy offered", Therapy.choices)
    reason = _text("Reason for the decision", 3)

    def __init__(self, *args: Any, directory: Any = (), adsm: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.adsm = adsm
        if adsm:
            self.fields["adsm_total"].label = f"{adsm} total"
        else:
            del self.fields["adsm_total"]
        signposts = [(str(s.pk), f"{s.name} ({s.get_helps_with_display()})") for s in directory]
        for kind, label in CircumstanceKind.choices:
            self.fields[f"circ_{kind}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"circ_{kind}_detail"] = forms.CharField(
                label=f"{label}: what is happening", max_length=2000, required=False
            )
            self.fields[f"circ_{kind}_signpost"] = _choice(
                f"{label}: signposted to", signposts, "Not signposted"
            )
        _preference_fields(self)
        self.style_widgets()

    def clean_phq9(self) -> list[Any] | None:
        return quick_answers("PHQ-9", self.cleaned_data.get("phq9") or "")

    def clean_gad7(self) -> list[Any] | None:
        return quick_answers("GAD-7", self.cleaned_data.get("gad7") or "")

    def questionnaires(self) -> dict[str, list[Any]]:
        data = self.cleaned_data
        found = {"PHQ-9": data.get("phq9"), "GAD-7": data.get("gad7")}
        return {code: answers for code, answers in found.items() if answers}

    def totals(self) -> dict[str, float]:
        data = self.cleaned_data
        found = {"WSAS": data.get("wsas_total")}
        if self.adsm:
            found[self.adsm] = data.get("adsm_total")
        return {code: total for code, total in found.items() if total is not None}

    def circumstance_kinds(self) -> list[str]:
        """The circumstances ticked (or described)."""
        data = self.cleaned_data
        return [
            k
            for k in CircumstanceKind.values
            if data.get(f"circ_{k}")
            or data.get(f"circ_{k}_detail")
            or data.get(f"circ_{k}_signpost")
        ]

    def error_fields(self) -> dict[str, str]:
        """Where each action input's message goes on this form."""
        mapping = {f"circumstance:{k}": f"circ_{k}_detail" for k in CircumstanceKind.values}
        mapping.update({f"preference:{k}": f"pref_{k}" for k in PreferenceKind.values})
        return mapping

    def circumstance_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"circ_{k}"], self[f"circ_{k}_detail"], self[f"circ_{k}_signpost"])
            for k in CircumstanceKind.values
        ]

    def preference_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"pref_{k}"], self[f"pref_{k}_essential"]) for k in PreferenceKind.values]

    def preferences(self) -> list[Preference]:
        data = self.cleaned_data
        return [
            Preference(
                kind, str(data.get(f"pref_{kind}") or ""), bool(data.get(f"pref_{kind}_essential"))
            )
            for kind in PreferenceKind.values
            if data.get(f"pref_{kind}")
        ]


class AllocateForm(PathwayForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    therapist = forms.TypedChoiceField(label="Therapist", coerce=int, choices=())
    started_on = _date("Treatment starts on", required=False)
    override_reason = _text(
        "Reason for going over the caseload limit (service managers only)", 2, max_length=1000
    )
    unmet_reason = _text(
        "If an essential preference cannot be met: why this allocation, and what the client "
        "was told",
        2,
        max_length=1000,
    )
    choice_reason = _text(
        "If you chose someone other than the first suggestion: why", 2, max_length=1000
    )

    def __init__(self, *args: Any, therapists: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["therapist"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "Choose…"), *therapists]
        self.style_widgets()


class CheckInForm(PathwayForm):
    checked_on = _date("Date of the check-in", required=False)
    phq9 = forms.CharField(label="PHQ-9 answers in order (9 digits, 0-3)", required=False)
    gad7 = forms.CharField(label="GAD-7 answers in order (7 digits, 0-3)", required=False)
    still_wants_therapy = forms.BooleanField(
        label="Still wants therapy", required=False, initial=True
    )
    note = _text("How they are", 3, max_length=5000)

    def clean_phq9(self) -> list[Any] | None:
        return quick_answers("PHQ-9", self.cleaned_data.get("phq9") or "")

    def clean_gad7(self) -> list[Any] | None:
        return quick_answers("GAD-7", self.cleaned_data.get("gad7") or "")

    def questionnaires(self) -> dict[str, list[Any]]:
        data = self.cleaned_data
        found = {"PHQ-9": data.get("phq9"), "GAD-7": data.get("gad7")}
        return {code: answers for code, answers in found.items() if answers}


class RiskReviewForm(PathwayForm):
    """A structured risk review (the risk assessment the pathway records): what closes the
    client's risk alert."""

    assessed_on = _date("Date of the review", required=False)
    asked_directly = forms.BooleanField(
        label="Suicidal thoughts and intent were asked about directly", required=False
    )
    risk_to_self = _choice("Risk to self", RiskLevel.choices, required=True)
    risk_to_self_detail = _text("Risk to self: what was found")
    risk_to_others = _choice("Risk to others", RiskLevel.choices, required=True)
    risk_to_others_detail = _text("Risk to others: what was found")
    protective_factors = _text("Protective factors")
    safety_plan = _text("Safety plan")
    crisis_contacts = _text("Crisis contacts", 2)


class ContactAttemptForm(PathwayForm):
    attempted_on = _date("Date", required=False)
    method = _choice("How", AttemptMethod.choices, required=True)
    outcome = _choice("What happened", AttemptOutcome.choices, required=True)
    opt_in_by = _date("For a letter: reply by", required=False)
    note = _text("Note", 2, max_length=2000)


class BookForm(PathwayForm):
    starts_at = forms.DateTimeField(
        label="Date and time",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "Enter a real date and time."},
    )
    minutes = forms.IntegerField(label="Length in minutes", initial=50, required=False)
    app_type = forms.ChoiceField(label="Kind of appointment", choices=AppType.choices)
    cons_mechanism = forms.ChoiceField(label="How", choices=ConsMechanism.choices)
    staff = forms.TypedChoiceField(label="With", coerce=int, choices=())

    def __init__(self, *args: Any, staff: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["staff"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = list(staff)
        self.style_widgets()


class RebookForm(PathwayForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    starts_at = BookForm.base_fields["starts_at"]
    reason = _text("Why it is moving", 2, max_length=2000)


class OutcomeForm(PathwayForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label="What happened",
        widget=forms.RadioSelect,
        choices=[
            ("client", "Cancelled by the client"),
            ("service", "Cancelled by the service"),
            ("dna", "Did not attend"),
            ("late_not_seen", "Arrived late, could not be seen"),
        ],
    )
    reason = _text("Note", 2, max_length=2000)


class ChangeCourseForm(PathwayForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label="What changes", choices=CourseChangeKind.choices, widget=forms.RadioSelect
    )
    step = _choice("New step", Step.choices, "Same step")
    therapy = _choice("New therapy", Therapy.choices, "Same therapy")
    therapist = forms.TypedChoiceField(
        label="Therapist", coerce=int, required=False, choices=(), empty_value=None
    )
    changed_on = _date("Date of the change", required=False)
    reason = _text(
        "Why (in words that blame nobody)",
        3,
        help_text="For example: the client would like a different approach.",
    )

    def __init__(self, *args: Any, therapists: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["therapist"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "None yet: back on the waiting list"), *therapists]
        self.style_widgets()


class EndForm(PathwayForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    end_date = _date("Date of the ending", required=False)
    end_code = _choice("End code (NHS Talking Therapies)", EndCode.choices, required=True)
    whose_choice = forms.ChoiceField(
        label="Whose choice is it to end now?",
        choices=ClientsChoice.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    considered = forms.ChoiceField(
        label="Would stepping up or another approach serve the client better?",
        choices=Considered.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    what_helped = _text("What helped", 3, max_length=5000)
    what_did_not = _text("What did not help", 3, max_length=5000)
    what_next = _text("What next (relapse prevention, other help)", 3, max_length=5000)


class CorrectForm(PathwayForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    contact_date = _date("Date of the session", required=False)
    attendance = forms.ChoiceField(label="Attendance", choices=Attendance.choices)
    cons_mechanism = forms.ChoiceField(label="How it took place", choices=ConsMechanism.choices)
    phq9 = forms.CharField(label="PHQ-9 answers in order", required=False)
    gad7 = forms.CharField(label="GAD-7 answers in order", required=False)
    notes = _text("Session notes", 4, max_length=20000)
    reason = _text("Why it is being corrected", 2, max_length=2000)

    def clean_phq9(self) -> list[Any] | None:
        return quick_answers("PHQ-9", self.cleaned_data.get("phq9") or "")

    def clean_gad7(self) -> list[Any] | None:
        return quick_answers("GAD-7", self.cleaned_data.get("gad7") or "")


class EnteredInErrorForm(PathwayForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    error_reason = _text("Why it was entered in error", 2, max_length=2000)


class FollowUpForm(PathwayForm):
    contact_date = _date("Date of the follow-up", required=False)
    attendance = forms.ChoiceField(label="Attendance", choices=Attendance.choices)
    cons_mechanism = forms.ChoiceField(label="How", choices=ConsMechanism.choices)
    phq9 = forms.CharField(label="PHQ-9 answers in order", required=False)
    gad7 = forms.CharField(label="GAD-7 answers in order", required=False)
    notes = _text("Notes", 3, max_length=20000)

    def clean_phq9(self) -> list[Any] | None:
        return quick_answers("PHQ-9", self.cleaned_data.get("phq9") or "")

    def clean_gad7(self) -> list[Any] | None:
        return quick_answers("GAD-7", self.cleaned_data.get("gad7") or "")
