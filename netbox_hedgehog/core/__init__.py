"""The domain: what a fabric's tree, its objects and their findings are, in plain Python.

Every module here is importable and tested without Django settings (the suites in the repository's
`tests/` run them so): stdlib, PyYAML and other domain modules only, never django, netbox, the models or the
services of `gitops/` that touch files, the database or git. Services gather the inputs (a tree, index
rows, settings) and hand them over; the domain decides.
"""
