"""Intervention modules of lbsim: growth groups, family and classroom levers, staffing."""
