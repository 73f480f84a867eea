from django import forms


class EraseCaseForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Why the case is erased, e.g. the client's request of 3 Nov 2026. Kept with the erasure record.",
    )
    confirm_reference = forms.CharField(
        label="Type the case reference to confirm",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, reference: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.reference = reference
        self.fields["confirm_reference"].help_text = f"Type {reference} exactly, to show this is the case you mean."

    def clean_confirm_reference(self):
        typed = self.cleaned_data["confirm_reference"].strip()
        if typed != self.reference:
            raise forms.ValidationError(f"Type {self.reference} exactly to confirm.")
        return typed
