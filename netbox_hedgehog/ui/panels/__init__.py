"""Panels of the plugin's object pages.

Panels that show more than model attributes (file contents, counts, backlog, findings) compute
their rows here, in Python, so the templates only lay them out. One module per object page: `fabric`,
`resource`, `run`; `actions` holds their buttons, `findings` the rows of findings they and the views share.
"""

from netbox_hedgehog.ui.panels.actions import *
from netbox_hedgehog.ui.panels.fabric import *
from netbox_hedgehog.ui.panels.findings import *
from netbox_hedgehog.ui.panels.resource import *
from netbox_hedgehog.ui.panels.run import *
