"""Intervention modules of lbsim: growth groups, family and classroom levers, staffing.

:func:`install` turns a scenario's interventions into Mesa events on a model.
"""

from __future__ import annotations

from sim.interventions.classroom import AntiStigmaActivity, TeacherTrainingDay
from sim.interventions.family import ParentContact
from sim.interventions.growth_group import GrowthGroupProgramme
from sim.interventions.staffing import StaffingPlan

KINDS = {"growth_group": GrowthGroupProgramme, "family_contact": ParentContact,
         "anti_stigma": AntiStigmaActivity, "teacher_training": TeacherTrainingDay,
         "staffing": StaffingPlan}


def install(model) -> list:
    """Create and schedule every intervention of the model's scenario; return them."""
    return [KINDS[spec.type](model, spec) for spec in model.config.interventions]
