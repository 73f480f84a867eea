"""Form fields shared by the apps."""

from django import forms
from django.core.exceptions import ValidationError

# The widest integer key the databases hold (a 64-bit signed BigAutoField).
LARGEST_ID = 2**63 - 1


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing an id too large for the database with its usual message.

    Django checks each posted id only by building (not running) a query, so an
    id past 2**63 reached the database and raised OverflowError (SQLite) or
    DataError (PostgreSQL): a server error for a tampered form.
    """

    def _check_values(self, value):
        if self.to_field_name is None and not isinstance(value, str | bytes):
            try:
                posted = list(value)
            except TypeError:
                posted = []
            for pk in posted:
                try:
                    number = int(str(pk))
                except ValueError:
                    continue  # Django refuses it with the same message
                if not -LARGEST_ID - 1 <= number <= LARGEST_ID:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                    )
        return super()._check_values(value)
