"""History store and stateful detectors (advancement, change rate, anomalies, drift)."""
