"""The hub's review workflow: completeness returns, optional second-level review,
resubmission as attempt N+1, and coaching flags after repeated Not Yet decisions."""
