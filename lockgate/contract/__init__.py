"""Contracts: ODCS YAML → a typed Contract → the Rule IR that every engine measures."""
