"""The one place that decides: a rule's measurement against its threshold (verdicts.py), freshness
against the load's logical time (freshness.py); stateful rules go to lockgate.state.detectors."""
