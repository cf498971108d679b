from .fabric import *
from .resource import *
from .run import *
from .upload import *
