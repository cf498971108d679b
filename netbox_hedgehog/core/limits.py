"""Limits and file-name rules, each defined once: the plugin's default settings, the reader, the tree layout and
the validation rules read them here, so a limit cannot differ between the place that enforces it and the text
that explains it."""

__all__ = ('MAX_FILE_BYTES', 'VLAN_MAX', 'YAML_SUFFIXES')

# Largest YAML file read by default (the `max_file_bytes` setting's default): bigger files become a finding.
MAX_FILE_BYTES = 16 * 1024 * 1024
# What a person calls a YAML file, compared case-insensitively (`Wiring.YAML` is YAML too).
YAML_SUFFIXES = ('.yaml', '.yml')
# The highest usable 802.1Q VLAN id (4095 is reserved); VLAN 0, where a rule allows it, means untagged.
VLAN_MAX = 4094
