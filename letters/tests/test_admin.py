"""The Django admin: administrators switch letter approval on for a team, and see letters read-only."""

from django.urls import reverse

from letters import services
from letters.models import TrajectLetter

ACCOUNT = "Tyler came and found you when he was stuck."


def a_letter(case):
    letter = services.start_draft(case, case.practitioner)
    letter.account_of_progress = ACCOUNT
    letter.save()
    return letter


def test_an_administrator_switches_letter_approval_on_for_a_team(client, administrator, team):
    client.force_login(administrator)
    url = reverse("admin:cases_team_change", args=[team.pk])
    assert 'name="letters_need_approval"' in client.get(url).content.decode()

    response = client.post(url, {"name": team.name, "letters_need_approval": "on", "supervisors": []})

    assert response.status_code == 302
    team.refresh_from_db()
    assert team.letters_need_approval is True


def test_letter_approval_can_be_changed_from_the_team_list(client, administrator, team):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:cases_team_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(team.pk),
            "form-0-letters_need_approval": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.letters_need_approval is True


def test_an_administrator_sees_a_letters_progress_but_not_its_words(client, administrator, case):
    letter = a_letter(case)
    client.force_login(administrator)

    listing = client.get(reverse("admin:letters_trajectletter_changelist"))
    page = client.get(reverse("admin:letters_trajectletter_change", args=[letter.pk]))

    assert listing.status_code == 200 and "Traject Letter v1" in listing.content.decode()
    assert page.status_code == 200
    assert "Draft" in page.content.decode()
    assert ACCOUNT not in page.content.decode()


def test_letters_cannot_be_added_changed_or_deleted_in_the_admin(client, administrator, case):
    letter = a_letter(case)
    client.force_login(administrator)

    add = client.get(reverse("admin:letters_trajectletter_add"))
    change = client.post(
        reverse("admin:letters_trajectletter_change", args=[letter.pk]), {"status": "finalised", "version": 9}
    )
    delete = client.post(reverse("admin:letters_trajectletter_delete", args=[letter.pk]), {"post": "yes"})

    assert add.status_code == 403 and change.status_code == 403 and delete.status_code == 403
    letter.refresh_from_db()
    assert letter.status == TrajectLetter.Status.DRAFT and letter.version == 1
