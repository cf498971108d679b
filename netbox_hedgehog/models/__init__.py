from netbox_hedgehog.models.acknowledgement import *
from netbox_hedgehog.models.fabric import *
from netbox_hedgehog.models.health import *
from netbox_hedgehog.models.ingested import *
from netbox_hedgehog.models.resource import *
from netbox_hedgehog.models.run import *
from netbox_hedgehog.models.waiting import *
