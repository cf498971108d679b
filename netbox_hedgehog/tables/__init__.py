from .fabric import *
