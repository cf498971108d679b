"""The files pages and the API hand over for download: one way to build them."""

from django.http import HttpResponse

from netbox_hedgehog.services.export import EXPORT_CONTENT_TYPE, export_fabric, export_filename

__all__ = ('attachment', 'wiring_export')


def attachment(content, content_type, filename, **headers):
    """`content` as a download named `filename` (names here are built from RFC 1123 fabric names)."""
    return HttpResponse(
        content,
        content_type=content_type,
        headers={'Content-Disposition': f'attachment; filename="{filename}"', **headers},
    )


def wiring_export(fabric):
    """The fabric's wiring export (services.export) as `<fabric>-wiring.yaml`, with how many objects it holds and how
    many managed files it left out (the Export wiring button and the API's export/ alike)."""
    export = export_fabric(fabric)
    counts = {'X-Hedgehog-Objects': str(export.objects), 'X-Hedgehog-Skipped': str(len(export.findings))}
    return attachment(export.text, EXPORT_CONTENT_TYPE, export_filename(fabric), **counts)
