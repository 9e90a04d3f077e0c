from decimal import Decimal

from django.db import migrations

# The indicators every key account is watched on (a copy: migrations must not import app code that changes).
STANDARD = [
    ("on_time_rate", "准时率", "On-time rate", "%", "higher", "95"),
    ("damage_rate", "破损率", "Damage rate", "%", "lower", "0.5"),
    ("loss_rate", "丢失率", "Loss rate", "%", "lower", "0.1"),
    ("pickup_punctuality", "揽收准时率", "Pickup punctuality", "%", "higher", "95"),
    ("claim_resolution_days", "理赔处理天数", "Claim-resolution days", "days", "lower", "7"),
]


def add_standard_indicators(apps, schema_editor):
    Indicator = apps.get_model("satisfaction", "Indicator")
    for position, (code, name, name_en, unit, direction, threshold) in enumerate(STANDARD):
        Indicator.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "unit": unit,
                "direction": direction,
                "threshold": Decimal(threshold),
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("satisfaction", "0001_initial")]

    operations = [migrations.RunPython(add_standard_indicators, migrations.RunPython.noop)]
