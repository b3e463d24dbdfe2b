"""Admin tests: the admin in English so messages read as written in the code."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english(settings):
    # Staff read Danish through .po files; the tests check the English msgids, which do not change with them.
    settings.LANGUAGE_CODE = "en"
