"""The test suite: plain pytest against real files, real servers on 127.0.0.1 and a real browser (see conftest.py)."""
