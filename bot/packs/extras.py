"""The `packs` extra (PyYAML, genanki): loaded when a format needs it, named when missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from bot.core.shared.errors import UserError


def require(module: str, purpose: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UserError(
            f"{purpose} packs need the '{module}' package: pip install 'practicebot[packs]'"
        ) from None
