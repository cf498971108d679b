from .fabric import *
from .ingested import *
from .resource import *
from .run import *
