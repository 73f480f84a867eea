from django import template

from cases.models import Case
from clips.models import Film
from clips.profile import case_profile, film_profile

register = template.Library()


@register.simple_tag
def principle_profile_of(subject):
    """The principle profile of a film or a case (one query)."""
    if isinstance(subject, Film):
        return film_profile(subject)
    if isinstance(subject, Case):
        return case_profile(subject)
    raise TypeError(f"No principle profile for {type(subject).__name__}")
