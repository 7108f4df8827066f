"""fhp-monitor: notices when your head drifts forward and gently says so."""


def __getattr__(name: str) -> str:
    """``__version__`` on first use (PEP 562): one source of truth, the version in pyproject.toml as
    installed. Read lazily because ``importlib.metadata`` (with the email parser it pulls in) adds
    about 4.5 MB to every process that imports the package, and the pose detector's child never
    needs the version."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("fhp-monitor")
    except PackageNotFoundError:  # a source tree that was never installed (pip install . makes the metadata)
        found = "0+unknown"
    globals()["__version__"] = found
    return found
