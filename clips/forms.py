from django import forms
from django.utils import timezone

from cases.forms import DateInput

from .models import Film


class FilmDetailsForm(forms.ModelForm):
    """What the practitioner says about the film; the file itself comes by tus."""

    upload_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Film
        fields = ["recorded_on", "setting", "activity"]
        labels = {"recorded_on": "Recorded on", "activity": "Activity"}
        widgets = {"recorded_on": DateInput(), "setting": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recorded_on"].initial = timezone.localdate()
        for name in ("recorded_on", "setting", "activity"):
            self.fields[name].widget.attrs["required"] = True

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
