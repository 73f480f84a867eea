from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import Case, Child, Client, Consent, Goal, GoalRating, HelpingQuestion, RelationshipDescription


class DateInput(forms.DateInput):
    """The browser's own date picker; it posts ISO dates whatever the locale shows."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ClientForm(forms.ModelForm):
    prefix = "client"

    class Meta:
        model = Client
        fields = ["full_name", "relationship_to_child", "email", "phone"]
        labels = {"full_name": "Client's name"}


class ChildForm(forms.ModelForm):
    prefix = "child"

    class Meta:
        model = Child
        fields = ["name", "date_of_birth", "age_at_referral", "school_or_setting"]
        labels = {"name": "Child's first name or initials"}
        widgets = {"date_of_birth": DateInput()}

    def clean_date_of_birth(self):
        dob = self.cleaned_data.get("date_of_birth")
        if dob and dob > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        return dob


class CaseForm(forms.ModelForm):
    """The case's own fields. Administrators also choose (or change) the practitioner."""

    practitioner = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        help_text="The case belongs to this practitioner's team.",
    )

    class Meta:
        model = Case
        fields = ["status", "setting", "opened_on", "closed_on"]
        widgets = {"opened_on": DateInput(), "closed_on": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_administrator:
            field = self.fields["practitioner"]
            field.queryset = get_user_model().objects.filter(is_active=True, team__isnull=False).select_related("team")
            field.required = True
            if self.instance.pk:
                field.initial = self.instance.practitioner_id
        else:
            del self.fields["practitioner"]

    def clean(self):
        data = super().clean()
        status, opened, closed = data.get("status"), data.get("opened_on"), data.get("closed_on")
        if status == Case.Status.CLOSED and not closed:
            self.add_error("closed_on", "A closed case needs the date it closed.")
        if status != Case.Status.CLOSED and closed:
            self.add_error("closed_on", "Only a closed case has a closing date: clear it or close the case.")
        if opened and closed and closed < opened:
            self.add_error("closed_on", "The case cannot close before it opened.")
        return data


class HelpingQuestionForm(forms.ModelForm):
    class Meta:
        model = HelpingQuestion
        fields = ["text", "agreed_on"]
        labels = {"text": "Helping Question", "agreed_on": "Agreed on"}
        widgets = {"text": forms.Textarea(attrs={"rows": 3}), "agreed_on": DateInput()}


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["description"]
        labels = {"description": "Goal"}


class RatingsForm(forms.Form):
    """Start, hoped-for and end ratings for every goal of a case, on one page.

    A blank box means "not rated"; clearing a saved rating removes it.
    """

    PHASES = [GoalRating.Phase.BASELINE, GoalRating.Phase.HOPED_FOR, GoalRating.Phase.END]

    def __init__(self, *args, goals, **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        self.rows = []
        for goal in self.goals:
            saved = goal.ratings_by_phase()
            row = {"goal": goal, "fields": []}
            for phase in self.PHASES:
                name = f"goal_{goal.pk}_{phase}"
                self.fields[name] = forms.IntegerField(
                    label=f"{goal.description}: {GoalRating.Phase(phase).label}",
                    min_value=0,
                    max_value=10,
                    required=False,
                    initial=saved[phase].score if saved[phase] else None,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control rating-input"}),
                )
                row["fields"].append(name)
            self.rows.append(row)

    def bound_rows(self):
        return [{"goal": row["goal"], "fields": [self[name] for name in row["fields"]]} for row in self.rows]

    def changes(self):
        """Yield (goal, phase, new score or None) for each box whose value changed.

        A box missing from the POST (a goal added in another tab after this page
        loaded) is left alone: only a box the user emptied means "not rated".
        """
        for goal in self.goals:
            for phase in self.PHASES:
                name = f"goal_{goal.pk}_{phase}"
                if self.fields[name].widget.value_omitted_from_data(self.data, self.files, self.add_prefix(name)):
                    continue
                if name in self.changed_data:
                    yield goal, phase, self.cleaned_data[name]


class DescriptionsForm(forms.Form):
    """The client's words about their child and their relationship, at the start and at the end."""

    FIELDS = [
        ("before", "child"),
        ("before", "relationship"),
        ("after", "child"),
        ("after", "relationship"),
    ]

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        saved = {(d.moment, d.subject): d.text for d in case.descriptions.all()}
        for moment, subject in self.FIELDS:
            subject_label = RelationshipDescription.Subject(subject).label
            moment_label = RelationshipDescription.Moment(moment).label.lower()
            self.fields[f"{moment}_{subject}"] = forms.CharField(
                label=f"{subject_label} ({moment_label})",
                required=False,
                initial=saved.get((moment, subject), ""),
                widget=forms.Textarea(attrs={"rows": 3}),
            )


class ConsentForm(forms.ModelForm):
    class Meta:
        model = Consent
        fields = ["purpose", "given_by", "given_on"]
        widgets = {"given_on": DateInput()}

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case

    def clean_given_on(self):
        given_on = self.cleaned_data["given_on"]
        if given_on > timezone.localdate():
            raise forms.ValidationError("Consent cannot be recorded for a date in the future.")
        return given_on

    def clean_purpose(self):
        purpose = self.cleaned_data["purpose"]
        if self.case.consents.filter(purpose=purpose, withdrawn_on__isnull=True).exists():
            raise forms.ValidationError(
                "Consent for this purpose is already recorded. Withdraw it first to record it again."
            )
        return purpose


class WithdrawConsentForm(forms.Form):
    withdrawn_on = forms.DateField(initial=timezone.localdate, widget=DateInput(), label="Withdrawn on")

    def __init__(self, *args, consent, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent = consent

    def clean_withdrawn_on(self):
        withdrawn_on = self.cleaned_data["withdrawn_on"]
        if withdrawn_on < self.consent.given_on:
            raise forms.ValidationError("Consent cannot be withdrawn before it was given.")
        if withdrawn_on > timezone.localdate():
            raise forms.ValidationError("Record a withdrawal on the day it happens, not in advance.")
        return withdrawn_on
