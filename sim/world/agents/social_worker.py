"""A school social worker (docs/model.md §2): weekly hours and the schools served."""

from __future__ import annotations

import mesa


class SocialWorker(mesa.Agent):
    """Runs interventions in ``schools`` within ``hours_per_week``."""

    def __init__(self, model, schools: list[int], hours_per_week: float = 40.0) -> None:
        super().__init__(model)
        if hours_per_week < 0:
            raise ValueError(f"hours_per_week must be >= 0, got {hours_per_week}")
        self.schools = list(schools)
        self.hours_per_week = float(hours_per_week)
        self.hours_used = 0.0

    @property
    def hours_left(self) -> float:
        return self.hours_per_week - self.hours_used

    def __repr__(self) -> str:
        return f"SocialWorker(schools {self.schools}, {self.hours_per_week:g} h/week)"
