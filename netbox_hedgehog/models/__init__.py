from .acknowledgement import *
from .fabric import *
from .health import *
from .ingested import *
from .resource import *
from .run import *
from .waiting import *
