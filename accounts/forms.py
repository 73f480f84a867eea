from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from . import two_factor


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django autofocuses the user name; that makes keyboard users skip the
        # page's first element (the skip link) and can confuse screen readers.
        self.fields["username"].widget.attrs.pop("autofocus", None)
        # Django sets the field's max_length without its validator, so an over-long name went on
        # to authenticate() and django-axes, whose attempt record (255 characters) then failed on
        # PostgreSQL: a 500 found by the form fuzzer. Refused here with a message instead.
        self.fields["username"].validators.append(MaxLengthValidator(self.fields["username"].max_length))


class CodeForm(forms.Form):
    """A six-digit code from the user's authenticator app, checked against their device (with throttling).

    Given the user's recovery codes, it takes one of those instead; `device` is
    then the device that accepted the code.
    """

    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, device, recovery=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device
        self.recovery = recovery
        if recovery is not None:
            self.fields["code"].label = "Code from your authenticator app, or a recovery code"

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        recovery_code = code.replace("-", "").lower()
        if self.recovery is not None and two_factor.RECOVERY_CODE.match(recovery_code):
            self.device = self.recovery
            wait = two_factor.wait_message(self.device)
            if wait:
                raise forms.ValidationError(wait)
            if not two_factor.check_code(self.device, recovery_code):
                raise forms.ValidationError("That recovery code is not right, or it was used already.")
            return recovery_code
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError(
                "Enter the six digits your app shows"
                + (", or one of your recovery codes." if self.recovery is not None else ".")
            )
        wait = two_factor.wait_message(self.device)
        if wait:
            raise forms.ValidationError(wait)
        if not two_factor.check_code(self.device, code):
            raise forms.ValidationError("That code is not right. Try the newest code from your app.")
        return code
