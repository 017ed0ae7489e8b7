"""Screens pushed over the main screen: approvals, the rollback timeline, hosts, trust on first use."""
