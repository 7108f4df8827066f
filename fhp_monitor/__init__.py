"""fhp-monitor: notices when your head drifts forward and gently says so."""

__version__ = "0.1.0"
