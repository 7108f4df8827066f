"""Every test here leaves the process speaking English again (the core's default)."""

from __future__ import annotations

import pytest

from fhp_monitor.core import i18n as core_i18n


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    core_i18n.use(core_i18n.ENGLISH)
