"""The limits every layer shares (netbox_hedgehog/core/limits.py): the setting's default, the reader and the validator
agree on one file limit."""

import inspect

from netbox_hedgehog import HedgehogConfig
from netbox_hedgehog.core import yaml_reader as yamlio
from netbox_hedgehog.core.limits import MAX_FILE_BYTES
from netbox_hedgehog.core.validation import validate_paths


def test_the_setting_the_reader_and_the_validator_default_to_the_one_file_limit():
    assert HedgehogConfig.default_settings['max_file_bytes'] == MAX_FILE_BYTES
    assert inspect.signature(yamlio.read_documents).parameters['max_bytes'].default == MAX_FILE_BYTES
    assert inspect.signature(validate_paths).parameters['max_bytes'].default == MAX_FILE_BYTES
