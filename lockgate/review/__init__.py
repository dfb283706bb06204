"""`lockgate diff`: contract changes classified for review, with their blast radius.

versions.py reads the two versions (files, or `git show REF:path`); compare.py puts them side by
side; classifiers.py is the one table of change rules (directions.py decides tighter vs looser);
semver.py judges the version bump; blast.py and specs.py find what reads a changed table
downstream (through `lockgate.lineage`); render/ writes text, markdown and json; command.py ties
them together for the CLI.
"""
