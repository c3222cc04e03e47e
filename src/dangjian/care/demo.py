"""Demo records for the demo county, made through this app's services (LIFECYCLE_DEMOS)."""

import random
from datetime import date


def populate_demo(*, rng: random.Random, today: date) -> dict[str, int]:
    return {}
