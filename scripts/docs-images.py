"""Copy the user guide's screenshots from the browser test's output into docs/images/, made small.

Run the browser test first (it writes test-artifacts/*.png), then this script:

    HEDGEHOG_DB_NAME=... .venv/bin/pytest netbox_hedgehog/tests/test_browser.py -q
    .venv/bin/python scripts/docs-images.py

A screenshot of NetBox has few colours: 256 of them, without dithering, keep the text sharp at about a
third of the size.
"""

import sys
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / 'test-artifacts'
IMAGES = REPO / 'docs' / 'images'
# The screenshots docs/user-guide.md shows, by the names the browser test gives them.
USED = (
    '02-upload-findings',
    '02b-waiting-findings',
    '04-fabric-backlog',
    '05a-edit-lines',
    '05-upload-corrected',
    '06-ingest-job-log',
    '07-fabric-ingested',
    '09-resource',
    '10b-topology',
    '11-health',
    '12-fix-job-log',
    '13-edit-managed',
    '14-delete-confirm',
    '15-discard-confirm',
    '16-discarded',
    '17-history',
    '18-fabric-list-health',
    '19-topology-demo',
)


def main():
    missing = [name for name in USED if not (ARTIFACTS / f'{name}.png').exists()]
    if missing:
        sys.exit(f'docs-images: run the browser test first; missing in {ARTIFACTS}: {", ".join(missing)}')
    IMAGES.mkdir(exist_ok=True)
    for name in USED:
        image = Image.open(ARTIFACTS / f'{name}.png').convert('RGB')
        small = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        target = IMAGES / f'{name}.png'
        small.save(target, optimize=True)
        print(f'{target.relative_to(REPO)}: {target.stat().st_size // 1024} KiB')


if __name__ == '__main__':
    main()
