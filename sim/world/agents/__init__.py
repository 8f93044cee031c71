"""Mesa agents of lbsim: children and social workers, views on the model's arrays."""

from sim.world.agents.child import Child
from sim.world.agents.social_worker import SocialWorker

__all__ = ["Child", "SocialWorker"]
