"""Connectors for the conformance suite's own tests: two good references and broken ones."""
