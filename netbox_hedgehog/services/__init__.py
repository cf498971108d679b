"""The GitOps tree of a fabric: its layout spec and the services that create, ingest into and check it."""
