"""Seed the competitors list with the large Chinese express carriers, and, on PostgreSQL, a trigram index that
finds clients with similar names (pg_trgm)."""

from django.db import migrations

CARRIERS = [
    # name, short (English) name, strengths as commonly heard in the field
    ("顺丰速运", "SF", "时效快、服务稳定、高端件多，价格偏高"),
    ("中通快递", "ZTO", "网点覆盖广、电商件量大、价格低"),
    ("圆通速递", "YTO", "电商件多、网点多、价格低"),
    ("韵达速递", "Yunda", "电商件多、价格低"),
    ("申通快递", "STO", "电商件多、价格低"),
    ("京东物流", "JD", "仓配一体、时效稳定、大件能力强"),
    ("极兔速递", "J&T", "价格低、平台电商件多"),
    ("中国邮政EMS", "EMS", "网络最全、政务件和偏远地区件"),
    ("德邦快递", "Deppon", "大件、零担、送货上门"),
]


def seed_competitors(apps, schema_editor):
    Competitor = apps.get_model("pipeline", "Competitor")
    for name, short_name, strengths in CARRIERS:
        Competitor.objects.get_or_create(name=name, defaults={"short_name": short_name, "strengths": strengths})


TRIGRAM_SQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS pipeline_client_name_trgm "
    "ON pipeline_client USING gin (normalized_name gin_trgm_ops)",
]


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # other databases find similar names with a plain substring match instead
    for sql in TRIGRAM_SQL:
        schema_editor.execute(sql)


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS pipeline_client_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0002_leads_and_clients")]

    operations = [
        migrations.RunPython(seed_competitors, migrations.RunPython.noop),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
