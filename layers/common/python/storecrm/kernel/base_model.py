"""The base of every pydantic model here."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Its validator and serializer are built on first use, not at import (pydantic's defer_build):
    every function imports the shared models, and each pays only for those its requests use."""

    model_config = ConfigDict(defer_build=True)
