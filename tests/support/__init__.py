"""Helpers shared by the tests: real photos, recorded days, private desktops, stand-ins."""
