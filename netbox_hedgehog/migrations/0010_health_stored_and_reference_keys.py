# The latest health check stored per fabric (the Health tab reads it instead of checking the tree on view), and the
# reference keys of each index row (the resource page's "referred to by" looks them up in a GIN index instead of
# reading every referring spec of the fabric). Existing rows get their keys here, from the reference table.
import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
from django.db import migrations, models

BATCH = 2000


def fill_reference_keys(apps, schema_editor):
    from netbox_hedgehog.core.validation import reference_keys, referring_kinds

    resource = apps.get_model('netbox_hedgehog', 'HedgehogResource')
    rows = resource.objects.filter(kind__in=referring_kinds()).only('pk', 'kind', 'spec').order_by('pk')
    batch = []
    for row in rows.iterator(chunk_size=BATCH):
        row.reference_keys = reference_keys(row.kind, row.spec)
        batch.append(row)
        if len(batch) == BATCH:
            resource.objects.bulk_update(batch, ['reference_keys'])
            batch = []
    resource.objects.bulk_update(batch, ['reference_keys'])


class Migration(migrations.Migration):
    dependencies = [
        ('netbox_hedgehog', '0009_fabric_self_healing'),
    ]

    operations = [
        migrations.CreateModel(
            name='FabricHealth',
            fields=[
                (
                    'fabric',
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name='stored_health',
                        serialize=False,
                        to='netbox_hedgehog.hedgehogfabric',
                    ),
                ),
                ('checked', models.DateTimeField()),
                ('report', models.JSONField(default=dict)),
            ],
        ),
        migrations.AddField(
            model_name='hedgehogresource',
            name='reference_keys',
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=300), blank=True, default=list, editable=False
            ),
        ),
        migrations.RunPython(fill_reference_keys, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='hedgehogresource',
            index=django.contrib.postgres.indexes.GinIndex(fields=['reference_keys'], name='hedgehog_resource_refkeys'),
        ),
    ]
