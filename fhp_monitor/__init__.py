"""fhp-monitor: notices when your head drifts forward and gently says so."""

from importlib.metadata import PackageNotFoundError, version

try:  # one source of truth: the version in pyproject.toml, as installed
    __version__ = version("fhp-monitor")
except PackageNotFoundError:  # a source tree that was never installed (pip install . makes the metadata)
    __version__ = "0+unknown"
