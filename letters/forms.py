from django import forms
from django.conf import settings

from .models import TrajectLetter


class StillChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.caption or f"Still at frame {obj.frame}"


class LetterForm(forms.ModelForm):
    left_out = forms.MultipleChoiceField(
        choices=TrajectLetter.SECTIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Leave out of the letter",
    )
    stills = StillChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label="Stills to include"
    )

    class Meta:
        model = TrajectLetter
        fields = ["account_of_progress", "ideas_for_future", "left_out", "stills"]
        labels = {
            "account_of_progress": "My account of your progress",
            "ideas_for_future": "Ideas for the future",
        }
        help_texts = {
            "account_of_progress": "Plain paragraphs; leave an empty line between them.",
            "ideas_for_future": "Plain paragraphs; leave an empty line between them.",
        }
        widgets = {
            "account_of_progress": forms.Textarea(attrs={"rows": 10}),
            "ideas_for_future": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, stills, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stills"].queryset = stills


EXPIRY_DAYS = [7, 14, 30, 60, 90]


def _expiry_choices():
    days = sorted({*EXPIRY_DAYS, settings.VIG_LETTER_LINK_DAYS})
    return [(d, f"{d} days") for d in days]


class ClientLinkForm(forms.Form):
    days = forms.TypedChoiceField(coerce=int, label="The link works for", choices=())
    with_passcode = forms.BooleanField(
        required=False,
        initial=True,
        label="Protect the link with a passcode",
        help_text="You will see an eight-digit passcode once. Give it to the client separately from the link, "
        "for example by phone.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = _expiry_choices()
        self.fields["days"].initial = settings.VIG_LETTER_LINK_DAYS


class PasscodeForm(forms.Form):
    passcode = forms.CharField(
        label="Passcode",
        max_length=20,
        help_text="The eight digits your practitioner gave you.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
