"""Stand-in `kfp`, `kfp.dsl`, `kfp.components` and `kfp.compiler` modules, so that KFP v1
pipeline files run unchanged against yamlpipe (`dsl-compile`, `yamlpipe generate pipeline`)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from yamlpipe.generate import dsl as yamlpipe_dsl
from yamlpipe.generate import functions
from yamlpipe.generate.dsl.platforms import GCP_NAMES, ONPREM_NAMES
from yamlpipe.generate.dsl.types import TYPE_NAMES
from yamlpipe.generate.signature import (
    InputBinaryFile,
    InputPath,
    InputTextFile,
    OutputBinaryFile,
    OutputPath,
    OutputTextFile,
)

KFP_VERSION = "1.8.22"
"""The KFP release whose v1 API these modules mirror."""

COMPONENT_NAMES: dict[str, Any] = {
    "InputBinaryFile": InputBinaryFile,
    "InputPath": InputPath,
    "InputTextFile": InputTextFile,
    "OutputBinaryFile": OutputBinaryFile,
    "OutputPath": OutputPath,
    "OutputTextFile": OutputTextFile,
    "create_component_from_func": functions.create_component_from_func,
    "func_to_container_op": functions.func_to_container_op,
    "func_to_component_text": functions.func_to_component_text,
    "default_base_image_or_builder": functions.KFP_BASE_IMAGE,
    "load_component_from_file": functions.load_component_from_file,
    "load_component_from_text": functions.load_component_from_text,
}


def _module(name: str, doc: str, names: dict[str, Any]) -> ModuleType:
    module = ModuleType(name, doc)
    for key, value in names.items():
        setattr(module, key, value)
    return module


def kfp_modules(components: dict[str, Any], compiler: dict[str, Any]) -> dict[str, ModuleType]:
    """The stand-in modules by import name. `components` adds names that need the layers
    above (load_component_from_url); `compiler` holds `Compiler` and `build_python_component`."""
    types = _module("kfp.dsl.types", "yamlpipe's KFP v1 types", dict(TYPE_NAMES))
    dsl = _module(
        "kfp.dsl",
        "yamlpipe's KFP v1 DSL",
        {**{name: getattr(yamlpipe_dsl, name) for name in yamlpipe_dsl.DSL_NAMES}, "types": types},
    )
    dsl.__path__ = []  # a package too: `from kfp.dsl.types import Integer`
    comps = _module(
        "kfp.components", "yamlpipe's KFP v1 components", {**COMPONENT_NAMES, **components}
    )
    comp = _module("kfp.compiler", "yamlpipe's KFP v1 compiler", compiler)
    onprem = _module("kfp.onprem", "yamlpipe's kfp.onprem task modifiers", dict(ONPREM_NAMES))
    gcp = _module("kfp.gcp", "yamlpipe's kfp.gcp task modifiers", dict(GCP_NAMES))
    kfp = _module(
        "kfp",
        "yamlpipe standing in for the KFP v1 SDK",
        {
            "dsl": dsl,
            "components": comps,
            "compiler": comp,
            "onprem": onprem,
            "gcp": gcp,
            "__version__": KFP_VERSION,
        },
    )
    kfp.__path__ = []  # a package, so that `import kfp.dsl` looks in sys.modules
    return {
        "kfp": kfp,
        "kfp.dsl": dsl,
        "kfp.dsl.types": types,
        "kfp.components": comps,
        "kfp.compiler": comp,
        "kfp.onprem": onprem,
        "kfp.gcp": gcp,
    }
