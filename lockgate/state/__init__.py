"""History store and stateful detectors (advancement, change rate, constant, anomalies, drift).

    checks.py          the custom-check compilers (`quality[].type: custom`, `engine: lockgate`)
    detectors.py       the verdicts: current profile against history or a reference
    change_rate.py     per-bucket fingerprint comparison (the frozen-column detector)
    anomaly.py         robust z-scores against a metric's own history (pure)
    reference.py       the reference profile file; reference_build.py writes it
    history.py         what the detectors read from the store
    store/             the store itself: SQLite (embedded) or the warehouse's PostgreSQL

The profile itself and the drift statistics are one layer lower (lockgate.profile), each
engine's profile code lives with its engine (lockgate/engines/<backend>/profile.py).
docs/detectors.md is the user documentation.
"""
