"""Adversarial tests: fuzzing against PyTorch and the numba path, hostile inputs, damaged files, scale.

Run them with ``.venv/bin/python -m pytest tests/reliability -q``; the session ends
with a summary of what was tried and what held (see conftest.py and docs/reliability.md).
"""
