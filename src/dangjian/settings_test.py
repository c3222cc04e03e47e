"""Settings for the test suite: the real settings with a throwaway var dir and a fast hasher."""

import os
import tempfile

os.environ.setdefault("DANGJIAN_VAR_DIR", tempfile.mkdtemp(prefix="dangjian-test-"))
os.environ.setdefault("DANGJIAN_FAST_HASHER", "1")

from dangjian.settings import *  # noqa: F403

AXES_ENABLED = True
DANGJIAN_JOBS_IN_THREAD = False  # tests run jobs inline; browser tests opt in per test
