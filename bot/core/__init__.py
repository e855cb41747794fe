"""The platform-neutral core: one folder per feature, each with its rules, its desk (use
cases) and the ports it needs; the standard library only (tests/unit/test_core_imports.py)."""
