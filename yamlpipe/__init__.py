"""yamlpipe: YAML-first pipelines for Kubeflow Pipelines and Argo Workflows."""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yamlpipe.api.client import Client

__version__ = "0.1.0"


class _Package(types.ModuleType):
    """`yamlpipe.compile(...)` is the compile API even though `yamlpipe.compile` is also the
    compiler's package: importing that package sets the attribute, and this property keeps
    answering with the API function (loaded on first use, so `import yamlpipe` stays light)."""

    @property
    def Client(self) -> Any:
        """`yamlpipe.Client`, loaded on first use (it brings in requests and the compiler)."""
        return importlib.import_module("yamlpipe.api.client").Client

    @property
    def compile(self) -> Any:
        return importlib.import_module("yamlpipe.api.compile").compile

    @compile.setter
    def compile(self, _module: Any) -> None:
        """The import system records the subpackage here; sys.modules still has it."""

    def __getattr__(self, name: str) -> Any:
        """`import yamlpipe as kfp` then `kfp.dsl`, `kfp.components`, `kfp.compiler`: KFP's
        modules load on first use, as `import kfp` makes them available."""
        if name in _KFP_MODULES:
            return importlib.import_module(f"yamlpipe.{name}")
        raise AttributeError(f"module 'yamlpipe' has no attribute {name!r}")


_KFP_MODULES = ("dsl", "components", "compiler")


sys.modules[__name__].__class__ = _Package

__all__ = ["Client", "__version__"]
