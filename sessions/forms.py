from django import forms
from django.utils import timezone
from django.utils.dateformat import format as format_date

from cases.forms import DateInput
from cases.models import Case
from clips.models import Clip, Film

from .models import ClosingEvent, Session, SharedReview


class TimeInput(forms.TimeInput):
    """The browser's own time picker; it posts 24-hour times."""

    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


def film_label(number: int, film: Film) -> str:
    status = "" if film.is_ready else f" ({film.get_status_display().lower()})"
    return f"Film {number}: {format_date(film.recorded_on, 'j M Y')}, {film.activity}{status}"


class FilmChoiceField(forms.ModelChoiceField):
    """Films named as the case page numbers them: "Film 2: 3 Oct 2026, reading a book"."""

    def __init__(self, *args, case: Case | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        films = list(case.films.of_the_family()) if case is not None else []
        self.numbers = {film.pk: number for number, film in enumerate(films, start=1)}

    def label_from_instance(self, obj):
        return film_label(self.numbers.get(obj.pk, 0), obj)


def _not_in_the_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError("Record a session once it has happened, not in advance.")
    return value


def _default_attendees(case: Case) -> str:
    return f"{case.client.full_name} ({case.client.relationship_to_child}), {case.child.name}"


class SessionForm(forms.ModelForm):
    """Any contact but a shared review, which has a form of its own."""

    class Meta:
        model = Session
        fields = ["kind", "held_on", "starts_at", "duration_minutes", "place", "attendees", "notes", "film"]
        labels = {"kind": "What kind of session"}
        help_texts = {
            "attendees": "For example the client, the child, a teacher.",
            "film": "The film made at this session, once it is uploaded. You can link it later.",
        }
        widgets = {
            "held_on": DateInput(),
            "starts_at": TimeInput(),
            "duration_minutes": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 600}),
            "notes": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["kind"].choices = [("", "Choose…")] + [
            choice for choice in Session.Kind.choices if choice[0] != Session.Kind.SHARED_REVIEW
        ]
        taken = Session.objects.filter(case=case, film__isnull=False)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        self.fields["film"] = FilmChoiceField(
            queryset=case.films.of_the_family().exclude(pk__in=taken.values("film")),
            case=case,
            required=False,
            label="Film",
            help_text=self.Meta.help_texts["film"],
            empty_label="No film linked",
        )
        if not self.instance.pk and not self.initial.get("attendees"):
            self.initial["attendees"] = _default_attendees(case)

    def clean_held_on(self):
        return _not_in_the_future(self.cleaned_data["held_on"])

    def clean(self):
        data = super().clean()
        if data.get("film") and data.get("kind") != Session.Kind.FILMING:
            self.add_error("film", "Only a filming session has a film. Choose “Filming”, or no film.")
        return data


class ReviewSessionForm(forms.ModelForm):
    """When and where the shared review took place."""

    prefix = "session"

    class Meta:
        model = Session
        fields = ["held_on", "starts_at", "duration_minutes", "place", "attendees", "notes"]
        labels = {"notes": "Other notes"}
        help_texts = {"duration_minutes": "A shared review usually takes 30 to 60 minutes."}
        widgets = {
            "held_on": DateInput(),
            "starts_at": TimeInput(),
            "duration_minutes": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 600}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, case: Case, number: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.number = number
        if not self.instance.pk and not self.initial.get("attendees"):
            self.initial["attendees"] = _default_attendees(case)

    def clean_held_on(self):
        """Review N is the N-th review: its date cannot come before review N-1's, nor after N+1's."""
        held_on = _not_in_the_future(self.cleaned_data["held_on"])
        neighbours = SharedReview.objects.filter(
            case=self.case, number__in=[self.number - 1, self.number + 1]
        ).select_related("session")
        for other in neighbours:
            if other.number < self.number and held_on < other.session.held_on:
                raise forms.ValidationError(
                    f"Review {other.number} was on {format_date(other.session.held_on, 'j M Y')}: "
                    f"review {self.number} cannot be earlier."
                )
            if other.number > self.number and held_on > other.session.held_on:
                raise forms.ValidationError(
                    f"Review {other.number} was on {format_date(other.session.held_on, 'j M Y')}: "
                    f"review {self.number} cannot be later."
                )
        return held_on


class ClipChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"Clip {obj.position}: {obj.caption}"


class SharedReviewForm(forms.ModelForm):
    """The film and clips looked at together, what was said, and the plan for the next film."""

    prefix = "review"

    class Meta:
        model = SharedReview
        fields = [
            "film",
            "clips",
            "client_noticed",
            "practitioner_observations",
            "ideas_shared",
            "next_film_situation",
            "next_film_focus",
            "plan",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in SharedReview.TEXT_FIELDS}

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["film"] = FilmChoiceField(
            queryset=case.films.of_the_family(),
            case=case,
            required=False,
            label="Film watched together",
            help_text=SharedReview._meta.get_field("film").help_text,
            empty_label="No film",
        )
        self.fields["clips"] = ClipChoiceField(
            queryset=Clip.objects.filter(film__case=case, film__kind=Film.Kind.FAMILY)
            .select_related("film")
            .in_order(),
            required=False,
            label="Clips looked at",
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["plan"].widget = forms.RadioSelect()
        self.fields["plan"].choices = [("", "Decide later (usually three cycles)"), *SharedReview.Plan.choices]

    def clean(self):
        data = super().clean()
        film, clips = data.get("film"), data.get("clips") or []
        strays = [clip for clip in clips if film is None or clip.film_id != film.pk]
        if strays:
            self.add_error(
                "clips",
                "Choose clips from the film you watched together."
                if film is not None
                else "Choose the film these clips come from.",
            )
        return data

    def clip_groups(self):
        """The clip boxes grouped by film, newest film first, for the template."""
        field = self.fields["film"]
        groups: dict[int, dict] = {}
        for box in self["clips"]:
            clip = box.data["value"].instance
            group = groups.setdefault(
                clip.film_id, {"label": field.label_from_instance(clip.film), "film": clip.film, "boxes": []}
            )
            group["boxes"].append(box)
        return sorted(groups.values(), key=lambda g: -field.numbers.get(g["film"].pk, 0))


class ReviewRatingsForm(forms.Form):
    """One optional 0-10 rating per goal at this review. A blank box means not rated."""

    prefix = "rating"

    def __init__(self, *args, goals, number: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        self.rows = []
        for goal in self.goals:
            saved = goal.ratings_by_phase()
            # Ratings at this number belong to this review, even if given before it was recorded.
            at_review = next((r for r in saved["reviews"] if r.review_number == number), None)
            name = f"goal_{goal.pk}"
            self.fields[name] = forms.IntegerField(
                label=f"{goal.description}: at this review",
                min_value=0,
                max_value=10,
                required=False,
                initial=at_review.score if at_review else None,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control rating-input"}),
            )
            earlier = [r for r in saved["reviews"] if r.review_number < number]
            self.rows.append(
                {
                    "goal": goal,
                    "name": name,
                    "baseline": saved["baseline"],
                    "hoped_for": saved["hoped_for"],
                    "previous": earlier[-1] if earlier else None,
                }
            )

    def bound_rows(self):
        return [{**row, "field": self[row["name"]]} for row in self.rows]

    def scores(self) -> dict:
        """{goal: score or None} for each box on the form; a goal added since the page loaded is left out."""
        found = {}
        for goal in self.goals:
            name = f"goal_{goal.pk}"
            if self.fields[name].widget.value_omitted_from_data(self.data, self.files, self.add_prefix(name)):
                continue
            found[goal] = self.cleaned_data[name]
        return found


class CloseCaseForm(forms.Form):
    closed_on = forms.DateField(label="Closed on", initial=timezone.localdate, widget=DateInput())
    reason = forms.ChoiceField(label="Why the case is closing", choices=[("", "Choose…"), *ClosingEvent.Reason.choices])
    note = forms.CharField(
        label="Anything to add",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when the reason is “Another reason”.",
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case

    def clean_closed_on(self):
        closed_on = self.cleaned_data["closed_on"]
        if closed_on > timezone.localdate():
            raise forms.ValidationError("Close the case on the day it closes, not in advance.")
        if closed_on < self.case.opened_on:
            raise forms.ValidationError(
                f"The case opened on {format_date(self.case.opened_on, 'j M Y')}: it cannot close before that."
            )
        return closed_on

    def clean(self):
        data = super().clean()
        if data.get("reason") == ClosingEvent.Reason.OTHER and not data.get("note", "").strip():
            self.add_error("note", "Say why the case is closing.")
        return data


class ReopenCaseForm(forms.Form):
    note = forms.CharField(
        label="Why the case is reopening",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: closed by mistake, or the client asked to carry on.",
    )
