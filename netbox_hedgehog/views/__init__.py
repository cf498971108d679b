"""The plugin's pages. Importing the package registers every view (`register_model_view`) for urls.py."""

from netbox_hedgehog.views import fabric_actions, fabric_tabs, fabrics, raw_files, resources, runs

__all__ = ('fabric_actions', 'fabric_tabs', 'fabrics', 'raw_files', 'resources', 'runs')
