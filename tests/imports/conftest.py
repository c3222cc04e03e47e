import pytest


@pytest.fixture(autouse=True)
def _jobs_inline(settings, tmp_path):
    """Jobs run synchronously (ImmediateBackend, no thread) and uploads go to a fresh media dir."""
    settings.DANGJIAN_JOBS_IN_THREAD = False
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings
