"""Adapter test fixtures. The scripted OpenAI server and chat model live in examples/, which the
examples use too; they are imported from there."""

from __future__ import annotations

import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))
