"""Many workbooks from one dataset: groups (:mod:`.groups`), the local process pool (:mod:`.local`),
a Dask cluster (:mod:`.distributed`, imported only when used) and the resume manifest (:mod:`.manifest`)."""

from .groups import BY, Group, build_group, failure_reason, plan_groups, safe_filename, unique_stems
from .local import BatchResult, Progress, build_workbooks
from .manifest import MANIFEST_NAME, Manifest, build_fingerprint

__all__ = ["build_workbooks", "BatchResult", "Progress", "plan_groups", "build_group", "Group", "BY",
           "safe_filename", "unique_stems", "failure_reason", "Manifest", "MANIFEST_NAME", "build_fingerprint"]
