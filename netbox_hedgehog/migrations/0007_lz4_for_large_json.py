# Large run and record columns compressed with lz4 where the server supports it (PostgreSQL 14+ built with
# lz4): a large first ingestion writes megabytes of provenance, and pglz costs several times as much.
from django.db import migrations

COLUMNS = (
    ('netbox_hedgehog_ingestionrun', 'provenance'),
    ('netbox_hedgehog_ingestionrun', 'findings'),
    ('netbox_hedgehog_ingestedfile', 'documents'),
)


def set_compression(method):
    statements = ' '.join(
        f'ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method};' for table, column in COLUMNS
    )
    return (
        'DO $$ BEGIN '
        "IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) "
        f'THEN {statements} END IF; END $$;'
    )


class Migration(migrations.Migration):
    dependencies = [
        ('netbox_hedgehog', '0006_ingested_file_documents_as_text'),
    ]

    operations = [
        migrations.RunSQL(set_compression('lz4'), reverse_sql=set_compression('pglz')),
    ]
