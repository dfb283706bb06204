"""The frame engine: the Rule IR as a pandera schema, for data that is already a DataFrame."""
