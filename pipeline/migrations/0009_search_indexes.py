"""On PostgreSQL, trigram indexes that serve the search of leads, clients and contacts (pipeline/selectors/search.py):
names on UPPER(...) because Django's `icontains` compares UPPER(column) LIKE UPPER(pattern), and normalised phones
for partial numbers. Other databases search with plain substring matches: nothing to do there."""

from django.db import migrations

INDEXES = [
    ("pipeline_lead_company_trgm", "pipeline_lead", "UPPER(company_name)"),
    ("pipeline_lead_contact_trgm", "pipeline_lead", "UPPER(contact_name)"),
    ("pipeline_lead_phone_trgm", "pipeline_lead", "phone_normalized"),
    ("pipeline_client_upper_name_trgm", "pipeline_client", "UPPER(name)"),
    ("pipeline_client_address_trgm", "pipeline_client", "UPPER(address)"),
    ("pipeline_contact_name_trgm", "pipeline_clientcontact", "UPPER(name)"),
    ("pipeline_contact_phone_trgm", "pipeline_clientcontact", "phone_normalized"),
    ("pipeline_contact_phone2_trgm", "pipeline_clientcontact", "phone2_normalized"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0008_lead_captured_at")]

    operations = [migrations.RunPython(create, drop)]
