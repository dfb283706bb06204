"""Alerts: sinks configured in one reviewed file (`alerts.yaml`), fired once per failing rule per
load, resolved when the rule passes again, delivered with retries; a failing sink never fails
the pipeline that raised the alert."""
