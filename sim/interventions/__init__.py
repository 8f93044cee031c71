"""Intervention modules of lbsim: growth groups, family and classroom levers, staffing.

:func:`install` turns a scenario's interventions into Mesa events on a model. (The
modules are imported on use: the scenario schema reads the session catalogue, and the
modules read the population, which reads the schema.)
"""

from __future__ import annotations


def install(model) -> list:
    """Create and schedule every intervention of the model's scenario, once for each of
    its replicas (in the replica's schools, drawing from the replica's stream); return
    them."""
    from sim.interventions.classroom import AntiStigmaActivity, TeacherTrainingDay
    from sim.interventions.family import ParentContact
    from sim.interventions.growth_group import GrowthGroupProgramme
    from sim.interventions.staffing import StaffingPlan

    kinds = {"growth_group": GrowthGroupProgramme, "family_contact": ParentContact,
             "anti_stigma": AntiStigmaActivity, "teacher_training": TeacherTrainingDay,
             "staffing": StaffingPlan}
    installed = []
    for spec in model.config.interventions:  # in the scenario's order within each replica
        if spec.type == "growth_group":  # one programme serves every replica
            installed.append(GrowthGroupProgramme(model, spec))
        else:
            installed.extend(kinds[spec.type](model, spec, replica=r)
                             for r in range(model.n_replicas))
    return installed
