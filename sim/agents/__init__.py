"""Mesa agents of lbsim (children, social workers): views on the model's arrays."""
