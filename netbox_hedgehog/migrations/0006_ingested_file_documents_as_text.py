# Records are read and written whole: text costs less than jsonb each way (see IngestedFile.documents).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('netbox_hedgehog', '0005_resource_indexes_covered_by_unique'),
    ]

    operations = [
        migrations.AlterField(
            model_name='ingestedfile',
            name='documents',
            field=models.TextField(default='[]'),
        ),
    ]
