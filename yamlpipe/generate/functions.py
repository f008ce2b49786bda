"""KFP's component functions by their own names: components from Python functions, task
factories from component files and texts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from yamlpipe.errors import Location, YamlpipeError, YamlpipeErrors
from yamlpipe.generate.component import FunctionComponent, component_from_function
from yamlpipe.generate.dsl.factory import ComponentReference, TaskFactory
from yamlpipe.generate.image import build_context_for, write_build_context
from yamlpipe.load import load_text, read_text_file
from yamlpipe.spec.model import Component


def reference_from_text(
    text: str, file: str, path: Path | None = None, url: str | None = None
) -> ComponentReference:
    """Load and check a component's YAML; errors (not warnings) are raised together."""
    result = load_text(text, file)
    if not isinstance(result.spec, Component):
        problems = [p for p in result.problems if p.is_error]
        if result.kind == "pipeline":
            problems = [YamlpipeError(Location(file), "this is a pipeline, not a component")]
        raise YamlpipeErrors(problems or [YamlpipeError(Location(file), "not a component")])
    return ComponentReference(result.spec, text, path, url)


def _write(text: str, path: str | Path) -> Path:
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise YamlpipeError(Location(str(target)), f"cannot write: {exc.strerror}") from None
    return target.resolve()


def factory_for(
    component: FunctionComponent, output_component_file: str | Path | None
) -> TaskFactory:
    """A task factory for a generated component, written to a file when one is named."""
    text = component.text
    path = _write(text, output_component_file) if output_component_file else None
    return TaskFactory(reference_from_text(text, str(output_component_file or "<generated>"), path))


KFP_BASE_IMAGE = "python:3.7"
"""KFP 1.8.22's default_base_image_or_builder."""


def create_component_from_func(
    func: Callable[..., Any],
    output_component_file: str | Path | None = None,
    base_image: str | None = None,
    packages_to_install: Sequence[str] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> TaskFactory:
    """A component from a self-contained Python function (KFP's create_component_from_func).
    Without a base image, KFP's default (python:3.7), so that a migrated program compiles to
    what KFP compiled; `yamlpipe generate component` defaults to a current Python instead."""
    base = base_image or getattr(func, "_component_base_image", None) or KFP_BASE_IMAGE
    component = component_from_function(func, base, packages_to_install or (), annotations)
    target = output_component_file or getattr(func, "_component_target_component_file", None)
    return factory_for(component, target)


def func_to_component_text(
    func: Callable[..., Any],
    extra_code: str | None = "",
    base_image: str | None = None,
    packages_to_install: Sequence[str] | None = None,
    modules_to_capture: Sequence[str] | None = None,
    use_code_pickling: bool = False,
) -> str:
    """KFP's func_to_component_text: the component's YAML text."""
    _refuse_code_capture(func, extra_code, modules_to_capture, use_code_pickling)
    base = base_image or getattr(func, "_component_base_image", None) or KFP_BASE_IMAGE
    return component_from_function(func, base, packages_to_install or ()).text


def _refuse_code_capture(
    func: Callable[..., Any],
    extra_code: str | None,
    modules_to_capture: Sequence[str] | None,
    use_code_pickling: bool,
) -> None:
    if extra_code or modules_to_capture or use_code_pickling:
        raise YamlpipeError(
            Location(getattr(getattr(func, "__code__", None), "co_filename", "<python>")),
            "extra_code, modules_to_capture and use_code_pickling are not supported",
            "make the function self-contained: import what it needs inside it",
        )


def func_to_container_op(
    func: Callable[..., Any],
    output_component_file: str | Path | None = None,
    base_image: str | None = None,
    extra_code: str | None = "",
    packages_to_install: Sequence[str] | None = None,
    modules_to_capture: Sequence[str] | None = None,
    use_code_pickling: bool = False,
    annotations: Mapping[str, str] | None = None,
) -> TaskFactory:
    """KFP's older name for create_component_from_func; code capture options are refused."""
    _refuse_code_capture(func, extra_code, modules_to_capture, use_code_pickling)
    return create_component_from_func(
        func, output_component_file, base_image, packages_to_install, annotations
    )


def build_python_component(
    component_func: Callable[..., Any],
    target_image: str,
    base_image: str | None = None,
    dependency: Sequence[str] = (),
    build_context_dir: str | Path | None = None,
    output_component_file: str | Path | None = None,
) -> tuple[TaskFactory, FunctionComponent]:
    """A component whose program is baked into `target_image`; the build context is written
    to `build_context_dir` when given."""
    component = component_from_function(component_func, base_image, dependency, image=target_image)
    if build_context_dir is not None:
        write_build_context(build_context_for(component), Path(build_context_dir))
    return factory_for(component, output_component_file), component


def load_component_from_text(text: str) -> TaskFactory:
    """A task factory for a component given as YAML text."""
    return TaskFactory(reference_from_text(text, "<text>"))


def load_component_from_file(filename: str | Path) -> TaskFactory:
    """A task factory for a component file; pipelines refer to the file by its path."""
    path = Path(filename)
    text = read_text_file(path)
    return TaskFactory(reference_from_text(text, str(filename), path.resolve()))
