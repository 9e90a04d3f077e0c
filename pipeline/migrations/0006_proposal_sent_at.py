from django.db import migrations, models


def sent_when_recorded(apps, schema_editor):
    # Proposals already out with the customer: the best known sending time is when they were recorded.
    Proposal = apps.get_model("pipeline", "Proposal")
    Proposal.objects.filter(status="sent", sent_at__isnull=True).update(sent_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0005_lead_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent at"),
        ),
        migrations.RunPython(sent_when_recorded, migrations.RunPython.noop),
    ]
