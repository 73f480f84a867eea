from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django autofocuses the user name; that makes keyboard users skip the
        # page's first element (the skip link) and can confuse screen readers.
        self.fields["username"].widget.attrs.pop("autofocus", None)
