"""A fabric's tree as a real git working copy (GitPython): cloned on first use, pulled before, pushed after.

One working copy per fabric, at `<gitops_root>/<gitops_path>`; the tree is the folder `settings.path`
inside it. Callers hold the fabric's lock around every change, so on one machine a working copy is
used by one process at a time, and between machines the remote's history is the meeting point:
each run fast-forwards to it before touching a file and pushes its one commit after.

Safety: a pull only fast-forwards (a diverged history is reported and nothing changes), a rejected
push is retried once after a rebase onto the remote (a conflict keeps the local commit as it was),
and nothing here deletes a commit. Secrets: the administrator's credentials entry bound to the URL
(settings.credentials) is read here, and only when it covers the URL; the secret reaches git only
through the environment of its process, where a credential helper reads it and answers only for the
URL's own scheme, host and port (a redirect elsewhere gets nothing). Every credential helper of the
server's git configuration is switched off for these processes, and every message that quotes git is
scrubbed of URL passwords and of the secret itself.

Two modules: `working_copy` (the WorkingCopy and what its operations return), `process` (how each git process
runs: its environment and credential helper, its messages scrubbed, its failures classified as GitError).
"""

from netbox_hedgehog.services.repository.process import *
from netbox_hedgehog.services.repository.working_copy import *
