"""dmcert: contract-conformance and load-test suite for the Datamingle integrations API v1."""

__version__ = "0.1.0"
