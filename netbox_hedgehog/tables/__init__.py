from netbox_hedgehog.tables.fabric import *
from netbox_hedgehog.tables.resource import *
from netbox_hedgehog.tables.run import *
