"""Monitoring a served model: a monitoring contract generated from the spec and the training
reference profile, checked by the ordinary engines over windows of the prediction log."""
