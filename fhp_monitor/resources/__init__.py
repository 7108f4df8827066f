"""Files shipped with the package: default config and the bundled pose model."""
