# NetBox registers a plugin's GraphQL only through `schema` here.
from netbox_hedgehog.graphql.schema import schema

__all__ = ('schema',)
