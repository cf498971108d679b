"""Resources are found by NetBox's search by their name only (search.py says why): the search-cache entries of
their managed files, and of their kinds from before, go. NetBox's `reindex` would drop them too; rows written
since keep only their name's entry anyway."""

from django.db import migrations

STALE_ENTRIES = """
DELETE FROM extras_cachedvalue
WHERE field <> 'name'
  AND object_type_id IN (
    SELECT id FROM django_content_type WHERE app_label = 'netbox_hedgehog' AND model = 'hedgehogresource'
  )
"""


class Migration(migrations.Migration):
    dependencies = [
        ('netbox_hedgehog', '0012_waiting_file_checks'),
        ('extras', '0060_squashed_0086'),
    ]

    # Backwards there is nothing to restore: the entries are a cache, rebuilt by NetBox's `reindex`.
    operations = [migrations.RunSQL(STALE_ENTRIES, reverse_sql=migrations.RunSQL.noop)]
