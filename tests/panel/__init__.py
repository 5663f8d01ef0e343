"""The expert panel's data: scenarios.toml, the picks an experienced engineer would accept (run by tests/test_panel.py)."""
