"""The conformance suite, one test per check: ``pytest -rs`` shows why any is skipped."""

from hookline.conformance import conformance_tests

test_conformance = conformance_tests("{{ cookiecutter.id }}", level="gold")
