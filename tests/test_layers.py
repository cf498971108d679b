"""The layering holds in the code: the domain is plain Python, services use no adapter, the docs say what is."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / 'scripts' / 'layers.py'
spec = importlib.util.spec_from_file_location('layers', SCRIPT)
layers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(layers)


def offending_imports(layer, forbidden):
    """(module, import) pairs of `layer` naming a forbidden layer, or a forbidden top-level package."""
    found = []
    for relative, module_layer in layers.modules().items():
        if module_layer != layer:
            continue
        for name in layers.imports_of(layers.PACKAGE / relative):
            target = layers.plugin_module(name)
            if (target and layers.layer_of(target) in forbidden) or name.split('.')[0] in forbidden:
                found.append((relative, name))
    return found


def test_the_domain_imports_no_django_netbox_git_service_model_or_adapter():
    forbidden = {'django', 'git', 'services', 'data model', 'adapters'} | layers.NETBOX_APPS
    assert offending_imports('domain', forbidden) == []
    assert layers.dependencies()['domain'] <= {'yaml'}


def test_services_import_no_adapter():
    assert offending_imports('services', {'adapters'}) == []


def test_a_module_is_in_the_layer_of_its_folder():
    assert layers.layer_of('core/plan.py') == 'domain'
    assert layers.layer_of('services/ingestion.py') == 'services'
    assert layers.layer_of('models/fabric.py') == 'data model'
    assert layers.layer_of('views/fabrics.py') == 'adapters'


def test_the_layer_table_in_the_docs_is_the_one_the_imports_give():
    assert layers.documented() == layers.table(), 'run scripts/layers.py --write and commit docs/architecture.md'
