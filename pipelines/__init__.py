"""contactflow's pipelines: the import and export jobs, their ops, sensors, CLI and services."""

import os

# Arrow allocates through glibc's malloc rather than its bundled mimalloc (before pyarrow is
# first imported: Arrow's C++ code reads this once). mimalloc keeps freed pages mapped, even
# after `release_unused`; glibc's are handed back by `malloc_trim` (chunks.release_memory), so
# an import's forked workers hold about 30 MB less each at the same CPU time (issue 11). The
# environment still wins when it names another pool.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
