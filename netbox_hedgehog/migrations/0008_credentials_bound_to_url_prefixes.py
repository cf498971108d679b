"""Git credentials move from the fabric (a reference any editor could type) to the administrator's
PLUGINS_CONFIG['netbox_hedgehog']['git_credentials'], bound to remote URL prefixes.

A fabric's former reference is dropped where a configured entry covers its remote URL (that entry is
used from now on, so the remote keeps working), or where the remote never needs credentials (a local
path, file://, git://). Otherwise it is kept in `git_credentials_unmigrated`, which no editor sees, and
health reports HEALTH_GIT_CREDENTIALS_UNCONFIGURED with the URL prefix to configure. The log names each
such fabric with its former reference, for the administrator running the migration.

Backwards, a fabric gets its kept reference back, or else the reference (file or variable) of the
entry that covers its URL.
"""

import logging

from django.db import migrations, models
from netbox.plugins import get_plugin_config

from netbox_hedgehog.services.credentials import carries_no_credentials, locate, parse_entries, select

logger = logging.getLogger('netbox_hedgehog.migrations')


def configured_entries():
    return parse_entries(get_plugin_config('netbox_hedgehog', 'git_credentials', []))


def keep_uncovered_references(apps, schema_editor):
    fabrics = apps.get_model('netbox_hedgehog', 'HedgehogFabric').objects.using(schema_editor.connection.alias)
    entries = configured_entries()
    for pk, name, url, reference in fabrics.exclude(git_credentials='').values_list(
        'pk', 'name', 'git_remote_url', 'git_credentials'
    ):
        if not url or carries_no_credentials(url) or select(entries, url) is not None:
            continue
        fabrics.filter(pk=pk).update(git_credentials_unmigrated=reference)
        location = locate(url)
        logger.warning(
            'fabric=%s event=credentials_unconfigured reference=%s add_url_prefix=%s',
            name,
            reference,
            location or 'none: give the fabric the plain URL of its repository',
        )


def restore_references(apps, schema_editor):
    fabrics = apps.get_model('netbox_hedgehog', 'HedgehogFabric').objects.using(schema_editor.connection.alias)
    entries = configured_entries()
    for pk, url, kept in fabrics.exclude(git_remote_url='').values_list('pk', 'git_remote_url', 'git_credentials_unmigrated'):
        entry = select(entries, url)
        if reference := kept or (entry.reference if entry else ''):
            fabrics.filter(pk=pk).update(git_credentials=reference)


class Migration(migrations.Migration):
    dependencies = [
        ('netbox_hedgehog', '0007_lz4_for_large_json'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='hedgehogfabric',
            options={
                'ordering': ('name',),
                'permissions': [('change_remote', 'Set or change the git remote (URL, branch, path in repository)')],
            },
        ),
        migrations.AddField(
            model_name='hedgehogfabric',
            name='git_credentials_unmigrated',
            field=models.CharField(blank=True, default='', editable=False, max_length=255),
        ),
        migrations.RunPython(keep_uncovered_references, restore_references),
        migrations.RemoveField(
            model_name='hedgehogfabric',
            name='git_credentials',
        ),
    ]
