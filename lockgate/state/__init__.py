"""History store and stateful detectors (advancement, change rate, constant, anomalies, drift).

    checks.py          the custom-check compilers (`quality[].type: custom`, `engine: lockgate`)
    profile.py         what a run remembers of a table, and which parts of it a contract needs
    sql_profile.py     that profile as aggregates of the SQL engine's fused scan (+ one GROUP BY)
    frame_profile.py   the same profile in pandas, for the frame engine
    detectors.py       the verdicts: current profile against history or a reference
    change_rate.py     per-bucket fingerprint comparison (the frozen-column detector)
    anomaly.py         robust z-scores against a metric's own history (pure)
    drift.py           distribution summaries and drift effect sizes (pure)
    reference.py       the reference profile file; reference_build.py writes it
    history.py         what the detectors read from the store
    store/             the store itself: SQLite (embedded) or the warehouse's PostgreSQL

docs/detectors.md is the user documentation.
"""
