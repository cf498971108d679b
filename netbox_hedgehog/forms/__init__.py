from netbox_hedgehog.forms.fabric import *
from netbox_hedgehog.forms.resource import *
from netbox_hedgehog.forms.run import *
from netbox_hedgehog.forms.upload import *
