# NetBox registers a plugin's GraphQL only through `schema` here.
from .schema import schema

__all__ = ('schema',)
