"""Names derived the way KFP v1 derives them: Python parameters and Kubernetes names."""

from __future__ import annotations

import keyword
import re

_NON_WORD = re.compile(r"[\W_]+")


def normalized_name(name: str) -> str:
    """Lower case, words separated by single spaces, no leading digit (KFP's normal form)."""
    words = _NON_WORD.sub(" ", name.lower()).strip()
    return "n" + words if words[:1].isdigit() else words


def python_name(name: str) -> str:
    """The Python parameter name KFP gives an input: `Training data` -> `training_data`."""
    return normalized_name(name).replace(" ", "_")


def k8s_name(name: str) -> str:
    """A Kubernetes-style name: `Train model` -> `train-model`."""
    return normalized_name(name).replace(" ", "-")


def is_python_keyword_name(name: str) -> bool:
    """True when KFP would turn the input name into a Python keyword and fail to load."""
    return keyword.iskeyword(python_name(name))
