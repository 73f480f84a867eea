from django import forms

from vig.forms import ModelMultipleChoiceField

from .models import TrajectLetter


class StillChoiceField(ModelMultipleChoiceField):
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
