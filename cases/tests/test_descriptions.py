"""The client's words about their child and their relationship, at the start and at the end."""

import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import RelationshipDescription
from cases.tests.factories import RelationshipDescriptionFactory

pytestmark = pytest.mark.django_db

TEXTS = {
    "before_child": "Shy with new people, funny at home",
    "before_relationship": "We argue every morning",
    "after_child": "Chatty at teatime",
    "after_relationship": "We laugh more",
}


def url(case) -> str:
    return reverse("cases:descriptions", kwargs={"reference": case.reference})


def stored(case) -> dict:
    return {f"{d.moment}_{d.subject}": d.text for d in case.descriptions.all()}


def table_row(content: str, heading: str) -> str:
    """The <tr> of the descriptions table whose row heading is `heading`."""
    match = re.search(rf'<th scope="row">{heading}</th>(.*?)</tr>', content, re.S)
    assert match, f"no row for {heading}"
    return match.group(1)


def test_saving_stores_the_four_texts(client, case, practitioner):
    client.force_login(practitioner)

    client.post(url(case), TEXTS)

    assert stored(case) == TEXTS


def test_saving_redirects_to_the_case(client, case, practitioner):
    client.force_login(practitioner)

    response = client.post(url(case), TEXTS)

    assert response.url == case.get_absolute_url()


def test_case_page_shows_the_child_descriptions_side_by_side(client, case, practitioner):
    client.force_login(practitioner)
    client.post(url(case), TEXTS)

    row = table_row(client.get(case.get_absolute_url()).content.decode(), "My child")

    assert row.index(TEXTS["before_child"]) < row.index(TEXTS["after_child"])


def test_case_page_shows_the_relationship_descriptions_side_by_side(client, case, practitioner):
    client.force_login(practitioner)
    client.post(url(case), TEXTS)

    row = table_row(client.get(case.get_absolute_url()).content.decode(), "Our relationship")

    assert row.index(TEXTS["before_relationship"]) < row.index(TEXTS["after_relationship"])


def test_a_description_not_yet_given_shows_as_not_recorded(client, case, practitioner):
    client.force_login(practitioner)
    client.post(url(case), {**TEXTS, "after_child": ""})

    row = table_row(client.get(case.get_absolute_url()).content.decode(), "My child")

    assert TEXTS["before_child"] in row
    assert "Not recorded" in row


def test_changing_a_text_updates_the_same_row(client, case, practitioner):
    saved = RelationshipDescriptionFactory(case=case, moment="before", subject="child", text="Quiet")
    client.force_login(practitioner)

    client.post(url(case), {"before_child": "Quiet, but loves football"})

    saved.refresh_from_db()
    assert saved.text == "Quiet, but loves football"
    assert case.descriptions.count() == 1


def test_surrounding_spaces_are_not_stored(client, case, practitioner):
    client.force_login(practitioner)

    client.post(url(case), {"before_child": "  Quiet  \n"})

    assert stored(case) == {"before_child": "Quiet"}


def test_a_blank_box_deletes_the_saved_text(client, case, practitioner):
    RelationshipDescriptionFactory(case=case, moment="before", subject="child", text="Quiet")
    RelationshipDescriptionFactory(case=case, moment="after", subject="child", text="Chatty")
    client.force_login(practitioner)

    client.post(url(case), {"before_child": "", "after_child": "Chatty"})

    assert stored(case) == {"after_child": "Chatty"}


def test_a_box_of_only_spaces_deletes_the_saved_text(client, case, practitioner):
    RelationshipDescriptionFactory(case=case, moment="before", subject="child", text="Quiet")
    client.force_login(practitioner)

    client.post(url(case), {"before_child": "   "})

    assert not RelationshipDescription.objects.exists()


def test_the_form_starts_from_the_saved_texts(client, case, practitioner):
    RelationshipDescriptionFactory(case=case, moment="after", subject="relationship", text="We laugh more")
    client.force_login(practitioner)

    response = client.get(url(case))

    assert response.context["form"]["after_relationship"].value() == "We laugh more"


def test_audit_events_name_the_description_but_never_hold_its_text(client, case, practitioner):
    RelationshipDescriptionFactory(case=case, moment="before", subject="child", text="Quiet")
    client.force_login(practitioner)

    client.post(url(case), {**TEXTS, "before_relationship": ""})
    client.post(url(case), {**TEXTS, "before_child": ""})

    writes = AuditEvent.objects.filter(action__in=["create", "update", "delete"])
    assert writes.count() == 5  # 1 update and 2 creates, then 1 create and 1 delete
    values = [str(getattr(e, f.attname)) for e in writes for f in AuditEvent._meta.concrete_fields]
    for text in [*TEXTS.values(), "Quiet"]:
        assert not any(text in value for value in values), text
