"""An ML project as one reviewed spec file: source table and contract, features, target,
out-of-time split, estimator and release gates. Nothing here imports Dagster."""
