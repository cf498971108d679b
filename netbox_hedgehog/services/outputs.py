"""The files a run writes into managed/ and unmanaged/: which of the plan's documents need writing, writing them
(temporary file, rename, one durability barrier: fileops.writing), and, when the run's index could not be
committed, removing again the files it created.

Apart from the run's orchestration (ingestion.py), as raw_intake.py is: raw_intake reads raw/ and removes what
was ingested; this writes the outputs. Both work through the run's `Tree` and its counted file operations.
"""

import logging
from contextlib import contextmanager

from netbox_hedgehog.core.plan_model import DocumentAction
from netbox_hedgehog.services import fileops
from netbox_hedgehog.services.faults import os_reason
from netbox_hedgehog.services.run_records import IngestionFailed

logger = logging.getLogger('netbox_hedgehog.ingestion')


class Outputs:
    """The output files of one run of `fabric`, through its `Tree` (`files`) and counted `operations`;
    `progress(step, done, total)` hears of the writing."""

    def __init__(self, fabric, files, operations, progress):
        self.fabric = fabric
        self.files = files
        self.operations = operations
        self.progress = progress

    def of(self, plan):
        """{target: content} of every file this run writes, and the targets among them that do not exist yet."""
        outputs, created = {}, set()
        for file_plan in plan.parsed:
            for document in file_plan.documents:
                if self._needs_writing(document):
                    outputs[document.target] = document.content
                    if document.action == DocumentAction.CREATE or (
                        document.action == DocumentAction.FOREIGN and self.files.lstat_or_none(document.target) is None
                    ):
                        created.add(document.target)
        return outputs, created

    def _needs_writing(self, document):
        if document.content is None:
            return False  # a document of a settled file: its output is in place
        if document.action in (DocumentAction.CREATE, DocumentAction.UPDATE):
            return True  # the plan found the target missing or holding other bytes
        # A foreign document's file is named by its content, so it may be there already.
        return document.action == DocumentAction.FOREIGN and not self.files.holds(document.target, document.content)

    @contextmanager
    def writing(self, outputs, mtime_ns):
        """Write `outputs` (see fileops.writing) around the block; yields {target: OSError} of those that could
        not be written, filled when the block is over. A folder that cannot be made fails its files."""
        failed, unmade = {}, {}
        for folder in sorted({target.rpartition('/')[0] for target in outputs}):
            try:
                self.files.folder(folder, create=True)
            except OSError as exc:
                unmade[folder] = exc
        for target in outputs:
            if target.rpartition('/')[0] in unmade:
                failed[target] = unmade[target.rpartition('/')[0]]
        files = [(target, content) for target, content in sorted(outputs.items()) if target not in failed]
        with fileops.writing(self.operations, files, mtime_ns, self.progress) as written_failed:
            yield failed
        failed.update(written_failed)

    def unusable_folder(self, failed, run):
        """IngestionFailed when a top folder that a failed output belongs to cannot take any new file (a file
        system gone read-only, an immutable managed/ without the kind's folder), else None: the failures
        are those files' own (a full or immutable managed/<kind>, an immutable file)."""
        for top in sorted({target.split('/', 1)[0] for target in failed}):
            error = self.operations.creation_error(top)
            if error is not None:
                message = f'{top}/ cannot be written ({os_reason(error)}): the run failed; nothing was lost.'
                return IngestionFailed(message, errno=error.errno, run=run.pk)
        return None

    def remove_created(self, created):
        """Remove the files of `created` again (the run's index was not committed: their documents are still in
        raw/); one that cannot be removed is logged, and the next run indexes it."""
        for target in created:
            try:
                self.operations.unlink(target)
            except OSError as exc:
                logger.warning(
                    'fabric=%s event=output_not_removed file=%s reason=%r', self.fabric.name, target, os_reason(exc)
                )
