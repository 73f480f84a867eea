from django import forms
from django.utils import timezone

from cases.forms import DateInput

from .models import Annotation, Clip, Film, Principle, PrincipleElement, Still


class FilmDetailsForm(forms.ModelForm):
    """What the practitioner says about the film; the file itself comes by tus."""

    upload_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Film
        fields = ["kind", "recorded_on", "setting", "activity"]
        labels = {"recorded_on": "Recorded on", "activity": "Activity"}
        widgets = {"recorded_on": DateInput(), "setting": forms.RadioSelect, "kind": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recorded_on"].initial = timezone.localdate()
        for name in ("recorded_on", "setting", "activity"):
            self.fields[name].widget.attrs["required"] = True
        self.fields["kind"].required = False

    def clean_kind(self):
        return self.cleaned_data.get("kind") or Film.Kind.FAMILY

    def clean_recorded_on(self):
        recorded_on = self.cleaned_data["recorded_on"]
        if recorded_on > timezone.localdate():
            raise forms.ValidationError("The recording date cannot be in the future.")
        return recorded_on

    def clean_upload_id(self):
        upload_id = self.cleaned_data.get("upload_id")
        if upload_id is None:
            raise forms.ValidationError("Choose the film file and upload it first.")
        return upload_id


class ClipForm(forms.ModelForm):
    """Marks, words and principles for one clip. Tags are a principle, or elements of it."""

    principles = forms.ModelMultipleChoiceField(
        queryset=Principle.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Principles of attuned interactions",
    )
    elements = forms.ModelMultipleChoiceField(
        queryset=PrincipleElement.objects.select_related("principle"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="What you see",
    )

    class Meta:
        model = Clip
        fields = ["start_frame", "end_frame", "caption", "helping_question", "goal", "review_note"]
        labels = {
            "start_frame": "First frame",
            "end_frame": "Last frame",
            "helping_question": "Relates to the Helping Question",
            "goal": "Or to a goal",
            "review_note": "Note for the shared review",
        }
        widgets = {"review_note": forms.Textarea(attrs={"rows": 2})}

    MAX_SECONDS = 60

    def __init__(self, *args, film, **kwargs):
        super().__init__(*args, **kwargs)
        self.film = film
        case = film.case
        self.fields["helping_question"].queryset = case.helping_questions.all()
        self.fields["goal"].queryset = case.goals.all()
        if not self.instance.pk:
            self.fields["helping_question"].initial = case.helping_questions.first()
        else:
            tags = list(self.instance.tags.all())
            self.fields["elements"].initial = [t.element_id for t in tags if t.element_id]
            self.fields["principles"].initial = [t.principle_id for t in tags if not t.element_id]
        for name in ("start_frame", "end_frame"):
            self.fields[name].widget.attrs.update({"min": 0, "max": film_frame_count(film) - 1})

    def clean(self):
        data = super().clean()
        start, end = data.get("start_frame"), data.get("end_frame")
        last = film_frame_count(self.film) - 1
        if start is not None and end is not None:
            if end < start:
                self.add_error("end_frame", "The last frame comes before the first.")
            elif end > last:
                self.add_error("end_frame", f"The film ends at frame {last}.")
            elif (end - start + 1) / self.film.frame_rate > self.MAX_SECONDS:
                self.add_error("end_frame", "A clip is a short moment: keep it under a minute.")
        if not data.get("principles") and not data.get("elements"):
            self.add_error("principles", "Name at least one principle of attuned interactions you see.")
        return data

    @property
    def selected_principle_ids(self) -> set[int]:
        return {int(v) for v in self["principles"].value() or []}

    @property
    def selected_element_ids(self) -> set[int]:
        return {int(v) for v in self["elements"].value() or []}

    def tags(self) -> list[tuple]:
        """(principle, element or None) pairs: each element, and each principle chosen without elements."""
        elements = list(self.cleaned_data["elements"])
        with_elements = {e.principle_id for e in elements}
        whole = [(p, None) for p in self.cleaned_data["principles"] if p.pk not in with_elements]
        return whole + [(e.principle, e) for e in elements]


def film_frame_count(film) -> int:
    return max(1, round((film.duration or 0) * (film.frame_rate or 25)))


class AnnotationForm(forms.ModelForm):
    class Meta:
        model = Annotation
        fields = ["frame", "note"]
        widgets = {"frame": forms.HiddenInput}


class StillForm(forms.ModelForm):
    class Meta:
        model = Still
        fields = ["frame", "caption"]
        widgets = {"frame": forms.HiddenInput}

    def __init__(self, *args, clip, **kwargs):
        super().__init__(*args, **kwargs)
        self.clip = clip

    def clean_frame(self):
        frame = self.cleaned_data["frame"]
        if not self.clip.start_frame <= frame <= self.clip.end_frame:
            raise forms.ValidationError("Choose a frame inside this clip.")
        return frame
