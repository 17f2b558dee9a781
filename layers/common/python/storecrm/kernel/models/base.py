"""The base of every stored entity."""

from __future__ import annotations

from storecrm.kernel.base_model import Model


class Entity(Model):
    model_config = {"validate_assignment": False}
