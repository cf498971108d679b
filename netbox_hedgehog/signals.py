"""Signal receivers: a new fabric gets its GitOps tree inside the save's transaction, or no row at all."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.services.fabrics import onboard_new_fabric


@receiver(post_save, sender=HedgehogFabric, dispatch_uid='netbox_hedgehog.initialize_tree')
def initialize_tree(sender, instance, created, raw=False, **kwargs):
    # `raw` saves load fixtures: the tree of a fixture's fabric is not this save's business.
    if created and not raw:
        onboard_new_fabric(instance)
