"""Panels of the plugin's object pages.

Panels that show more than model attributes (file contents, counts, backlog, findings) compute
their rows here, in Python, so the templates only lay them out. One module per object page: `fabric`,
`resource`, `run`; `actions` holds their buttons, `findings` the rows of findings they and the views share.
"""

from .actions import *
from .fabric import *
from .findings import *
from .resource import *
from .run import *
