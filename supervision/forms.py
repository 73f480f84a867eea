from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone

from cases.forms import DateInput
from cases.models import Case, Consent
from clips.models import Clip, Film

from .models import SupervisionNote, SupervisionSession


class NoteForm(forms.ModelForm):
    in_reply_to = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = SupervisionNote
        fields = ["text"]
        labels = {"text": "Note"}
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case

    def clean_in_reply_to(self):
        """The thread answered, on this case; an answer to an answer joins the same thread."""
        pk = self.cleaned_data.get("in_reply_to")
        if pk is None:
            return None
        note = self.case.supervision_notes.filter(pk=pk).first()
        if note is None:
            raise forms.ValidationError("That note is not on this case.")
        return note.in_reply_to or note


def _with_supervision_consent(queryset, case_path: str):
    consent = Consent.objects.filter(
        case=OuterRef(case_path), purpose=Consent.Purpose.SUPERVISION, withdrawn_on__isnull=True
    )
    return queryset.filter(Exists(consent))


class ClipChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.film.case.reference}, film of {obj.film.recorded_on:%d/%m/%Y}, clip {obj.position}: {obj.caption}"


class FilmChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.case.reference}: review filmed {obj.recorded_on:%d/%m/%Y} ({obj.activity})"


class SupervisionSessionForm(forms.ModelForm):
    """The supervisee's cases the supervisor may see; clips and review films only where the client
    agreed to show them in supervision (otherwise they could not have been watched)."""

    class Meta:
        model = SupervisionSession
        fields = ["held_on", "duration_minutes", "cases", "clips", "films", "notes"]
        labels = {"cases": "Cases discussed", "clips": "Clips discussed", "films": "Review films discussed"}
        widgets = {
            "held_on": DateInput(),
            "cases": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, practitioner, supervisor, **kwargs):
        super().__init__(*args, **kwargs)
        # A callable default (today) makes Django post a hidden initial value and count a
        # date as changed when it was not: the audit log should name only real changes.
        self.fields["held_on"].show_hidden_initial = False
        cases = Case.objects.visible_to(supervisor).filter(practitioner=practitioner).select_related("client")
        self.fields["cases"].queryset = cases
        self.fields["cases"].label_from_instance = lambda case: f"{case.reference} ({case.client.full_name})"
        self.fields["clips"] = ClipChoiceField(
            queryset=_with_supervision_consent(
                Clip.objects.filter(film__case__in=cases, film__kind=Film.Kind.FAMILY), "film__case"
            )
            .select_related("film__case")
            .order_by("film__case__reference", "film__recorded_on", "position", "pk"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=self.Meta.labels["clips"],
        )
        self.fields["films"] = FilmChoiceField(
            queryset=_with_supervision_consent(Film.objects.of_a_review().filter(case__in=cases), "case")
            .select_related("case")
            .order_by("case__reference", "recorded_on", "pk"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=self.Meta.labels["films"],
            help_text=SupervisionSession._meta.get_field("films").help_text,
        )

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate():
            raise forms.ValidationError("A supervision session cannot be logged in the future.")
        return held_on

    def clean(self):
        cleaned = super().clean()
        chosen = {case.pk for case in cleaned.get("cases") or []}
        outside = [clip for clip in cleaned.get("clips") or [] if clip.film.case_id not in chosen]
        outside += [film for film in cleaned.get("films") or [] if film.case_id not in chosen]
        if outside:
            raise forms.ValidationError("Tick the case of every clip and review film discussed.")
        return cleaned
