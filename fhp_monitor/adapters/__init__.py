"""Adapters: each module is the only importer of one heavy or OS library."""
