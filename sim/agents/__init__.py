"""Mesa agents of lbsim: children and social workers, views on the model's arrays."""

from sim.agents.child import Child
from sim.agents.social_worker import SocialWorker

__all__ = ["Child", "SocialWorker"]
