from django import forms
from django.contrib.auth.forms import AuthenticationForm

from . import two_factor


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django autofocuses the user name; that makes keyboard users skip the
        # page's first element (the skip link) and can confuse screen readers.
        self.fields["username"].widget.attrs.pop("autofocus", None)


class CodeForm(forms.Form):
    """A six-digit code from the user's authenticator app, checked against their device (with throttling)."""

    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the six digits your app shows.")
        wait = two_factor.wait_message(self.device)
        if wait:
            raise forms.ValidationError(wait)
        if not two_factor.check_code(self.device, code):
            raise forms.ValidationError("That code is not right. Try the newest code from your app.")
        return code
