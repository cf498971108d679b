"""Self-healing, opt-in per fabric: the scheduled health check applies the repairs `fix` classes as safe.

Existing fabrics get the plugin setting self_healing_default as it is when the migration runs (off unless
the administrator turned it on beforehand).
"""

from django.db import migrations, models

import netbox_hedgehog.models.fabric


class Migration(migrations.Migration):
    dependencies = [
        ('netbox_hedgehog', '0008_credentials_bound_to_url_prefixes'),
    ]

    operations = [
        migrations.AddField(
            model_name='hedgehogfabric',
            name='self_healing',
            field=models.BooleanField(default=netbox_hedgehog.models.fabric.self_healing_default),
        ),
    ]
