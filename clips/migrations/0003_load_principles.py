"""The principles of attuned interactions (shared/design/VIG.md), with stable codes.

Codes never change once released: clip tags point at them. Wording may be
improved in a later migration that updates `name` or `text` by code.
"""

from django.db import migrations

PRINCIPLES = [
    (1, "attentive", "Being attentive", [
        ("looking_interested", "Looking interested, with a friendly posture"),
        ("giving_time_and_space", "Giving time and space to the other"),
        ("wondering", "Wondering what they are doing, thinking or feeling"),
        ("enjoying_watching", "Enjoying watching them"),
    ]),
    (2, "encouraging_initiatives", "Encouraging initiatives", [
        ("waiting", "Waiting"),
        ("listening_actively", "Listening actively"),
        ("warmth_in_voice", "Showing warmth in the voice"),
        ("naming_positively", "Naming positively what you see, think or feel"),
        ("friendly_playful_tone", "Friendly or playful tone as fits"),
        ("saying_what_you_do", "Saying what you are doing"),
        ("looking_out_for_initiatives", "Looking out for initiatives"),
    ]),
    (3, "receiving_initiatives", "Receiving initiatives", [
        ("showing_noticed", "Showing you have noticed the other's initiative"),
        ("receiving_with_body_language", "Receiving it with body language"),
        ("friendly_playful", "Being friendly or playful as fits"),
        ("returning_eye_contact", "Returning eye contact, smiling, nodding in response"),
        ("receiving_with_words", "Receiving what is said or done with words"),
        ("using_their_words", "Repeating or using the other's words"),
    ]),
    (4, "developing_attuned_interactions", "Developing attuned interactions", [
        ("receiving_then_responding", "Receiving and then responding"),
        ("checking_understanding", "Checking the other understands you"),
        ("waiting_for_turn", "Waiting attentively for your turn"),
        ("having_fun", "Having fun"),
        ("second_turn", "Giving a second turn on the same topic"),
        ("short_turns", "Taking short turns in turn"),
        ("contributing_equally", "Contributing equally to the activity"),
        ("co_operating", "Co-operating, helping each other"),
    ]),
    (5, "guiding", "Guiding", [
        ("scaffolding", "Scaffolding"),
        ("extending", "Extending and building on the other's response"),
        ("judging_support", "Judging how much support is needed and adjusting it"),
        ("giving_information", "Giving information or help when needed"),
        ("offering_choices", "Offering choices the other can understand"),
        ("making_suggestions", "Making suggestions the other can follow"),
    ]),
    (6, "deepening_discussion", "Deepening discussion", [
        ("supporting_goal_setting", "Supporting goal-setting"),
        ("sharing_viewpoints", "Sharing viewpoints"),
        ("talking_things_through", "Talking things through together and solving problems"),
        ("naming_differences", "Naming differences of opinion"),
        ("looking_into_intentions", "Looking into the intentions behind words"),
        ("naming_contradictions", "Naming contradictions or conflicts"),
        ("new_shared_understanding", "Reaching new shared understanding"),
        ("managing_conflict", "Managing conflict by going back to being attentive and receiving initiatives"),
    ]),
]  # fmt: skip


def load(apps, schema_editor):
    Principle = apps.get_model("clips", "Principle")
    PrincipleElement = apps.get_model("clips", "PrincipleElement")
    for number, code, name, elements in PRINCIPLES:
        principle, _ = Principle.objects.update_or_create(code=code, defaults={"number": number, "name": name})
        for position, (element_code, text) in enumerate(elements, start=1):
            PrincipleElement.objects.update_or_create(
                code=f"{code}.{element_code}", defaults={"principle": principle, "text": text, "position": position}
            )


def unload(apps, schema_editor):
    apps.get_model("clips", "PrincipleElement").objects.all().delete()
    apps.get_model("clips", "Principle").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("clips", "0002_clips_and_principles")]

    operations = [migrations.RunPython(load, unload)]
