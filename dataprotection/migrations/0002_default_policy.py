from django.db import migrations


def create_policy(apps, schema_editor):
    # The one row of the retention policy, with the defaults of the model's fields.
    apps.get_model("dataprotection", "RetentionPolicy").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("dataprotection", "0001_initial")]

    operations = [migrations.RunPython(create_policy, migrations.RunPython.noop)]
