from datetime import date

from django import forms
from django.utils import timezone

from cases.forms import DateInput

# The browser's date picker sends ISO dates; a date typed into the address, the UK way.
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def last_twelve_months(today: date | None = None) -> tuple[date, date]:
    """From the same day a year ago to today, both included."""
    today = today or timezone.localdate()
    try:
        start = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 1, day=28)
    return start, today


class PeriodForm(forms.Form):
    """Cases closed between two dates, both included; the last 12 months unless chosen."""

    start = forms.DateField(label="Closed from", input_formats=DATE_FORMATS, widget=DateInput(), required=False)
    end = forms.DateField(label="Closed up to", input_formats=DATE_FORMATS, widget=DateInput(), required=False)

    def __init__(self, data=None, **kwargs):
        default_start, default_end = last_twelve_months()
        self.default = (default_start, default_end)
        super().__init__(data or None, initial={"start": default_start, "end": default_end}, **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError("The start of the period must not be after its end.")
        return data

    def period(self) -> tuple[date, date]:
        """The chosen period; the default where a date is missing or the choice is not valid."""
        if not self.is_bound or not self.is_valid():
            return self.default
        return (self.cleaned_data["start"] or self.default[0], self.cleaned_data["end"] or self.default[1])
