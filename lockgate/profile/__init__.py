"""What a run remembers of a table (its profile) and the statistics that compare profiles.

Engines compute profiles (lockgate/engines/<backend>/profile.py); the stateful detectors in
lockgate/state judge them against history. This package sits below both.

    model.py        TableProfile and which parts of it a contract needs
    drift.py        distribution summaries and drift effect sizes (pure)
    categories.py   category counts shared by the engines' profiles
"""
