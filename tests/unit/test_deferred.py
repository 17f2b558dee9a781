"""storecrm.deferred: a module named at import and imported by the first read of one of its names."""

from __future__ import annotations

import sys

from storecrm.deferred import DeferredModule


def test_a_deferred_module_is_imported_by_the_first_read_of_a_name() -> None:
    sys.modules.pop("colorsys", None)
    deferred = DeferredModule("colorsys")
    assert "colorsys" not in sys.modules

    convert = deferred.rgb_to_hsv

    assert "colorsys" in sys.modules
    assert convert is sys.modules["colorsys"].rgb_to_hsv
