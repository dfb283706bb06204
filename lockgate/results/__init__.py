"""What engines measure and what the judge decides, shared by every layer above the engines.

model.py      Measurement (an engine's answer), RuleResult and ValidationResult (verdicts)
notebook.py   a result or a violation as HTML for Jupyter
"""
