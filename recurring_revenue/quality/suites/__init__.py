"""Expectation suites as code, one module per layer."""
