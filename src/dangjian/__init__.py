"""党建 — the platform of an agency Party work committee (机关工委)."""

__version__ = "0.1.0"
