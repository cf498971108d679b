"""The exit codes of `netbox hedgehog ...`, named once: a contract (docs/, monitoring scripts), shared by the
sub-commands and by the outcomes that state their own (an ingestion's, a fix's).

`hedgehog health` exits with its status instead (0 healthy, 1 degraded, 2 unhealthy: gitops/health.py EXIT_CODES).
"""

__all__ = ('FAILED', 'LOCK_HELD', 'NOT_PUSHED', 'OK', 'RUN_FAILED', 'USAGE_ERROR')

OK = 0
# The work was done only in part or not at all and needs a person: files stay in raw/, a repair was refused,
# validation found errors; or a fault of the disk or the database no sub-command answers for itself.
FAILED = 1
# Argparse's own code for bad usage; the sub-commands use it too (an unknown fabric, a path that does not exist).
USAGE_ERROR = 2
# Another ingestion, fix, backup or restore of the fabric holds its lock: try again later.
LOCK_HELD = 3
# `ingest`: the run's commit stayed in the working copy (also for a pull refused before any change).
NOT_PUSHED = 4
# `ingest`: the run failed (the tree cannot be written, the database failed); nothing was lost.
RUN_FAILED = 5
