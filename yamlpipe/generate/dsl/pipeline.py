"""Running a pipeline function once, with placeholders for its inputs, to record its tasks;
and KFP's decorators (`@dsl.pipeline`, `@dsl.component`, `@dsl.python_component`)."""

from __future__ import annotations

import inspect
import json
import types
from collections.abc import Callable
from typing import Any, TypeVar

from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.generate.docstring import parse_docstring
from yamlpipe.generate.dsl.context import (
    PipelineBuilder,
    PipelineConf,
    caller_location,
    code_location,
    current_builder,
    is_user_file,
    recording,
)
from yamlpipe.generate.dsl.emit import RecordedPipeline
from yamlpipe.generate.dsl.params import PipelineParam
from yamlpipe.generate.signature import PYTHON_TYPES, VALUE_TYPE_HINT, value_type

F = TypeVar("F", bound=Callable[..., Any])
PIPELINE_MARK = "_yamlpipe_pipeline"


def pipeline(
    name: str | None = None, description: str | None = None, pipeline_root: str | None = None
) -> Callable[[F], F]:
    """Mark a function as a pipeline (KFP's `@dsl.pipeline`); it stays callable as is."""

    def mark(func: F) -> F:
        if name:
            func._component_human_name = name  # type: ignore[attr-defined]
        if description:
            func._component_description = description  # type: ignore[attr-defined]
        setattr(func, PIPELINE_MARK, True)
        return func

    return mark


def component(func: F) -> F:
    """KFP's `@dsl.component` (a function returning a ContainerOp): nothing to add."""
    return func


def python_component(
    name: str,
    description: str | None = None,
    base_image: str | None = None,
    target_component_file: str | None = None,
) -> Callable[[F], F]:
    """KFP's `@dsl.python_component`: metadata for the component generator."""

    def mark(func: F) -> F:
        func._component_human_name = name  # type: ignore[attr-defined]
        if description:
            func._component_description = description  # type: ignore[attr-defined]
        if base_image:
            func._component_base_image = base_image  # type: ignore[attr-defined]
        if target_component_file:
            func._component_target_component_file = target_component_file  # type: ignore[attr-defined]
        return func

    return mark


def is_pipeline_function(value: Any) -> bool:
    return inspect.isfunction(value) and bool(getattr(value, PIPELINE_MARK, False))


def get_pipeline_conf() -> PipelineConf:
    """Workflow-level settings of the pipeline being recorded (KFP's dsl.get_pipeline_conf)."""
    builder = current_builder()
    if builder is None:
        raise YamlpipeError(caller_location(), "get_pipeline_conf() is used outside a pipeline")
    return builder.conf


def record_pipeline(func: Callable[..., Any], conf: PipelineConf | None = None) -> RecordedPipeline:
    """Call the pipeline function once with a PipelineParam per parameter, recording tasks."""
    if not inspect.isfunction(func):
        raise YamlpipeError(Location("<python>"), f"expected a pipeline function, got {func!r}")
    doc = parse_docstring(inspect.getdoc(func))
    builder = PipelineBuilder(conf=conf or PipelineConf())
    inputs = []
    for parameter in inspect.signature(func).parameters.values():
        param, data = _pipeline_input(func, parameter, doc.params.get(parameter.name))
        builder.inputs[parameter.name] = param
        inputs.append(data)
    with recording(builder):
        _call(func, builder)
        _apply_transformers(builder)
    name = getattr(func, "_component_human_name", None) or func.__name__
    description = getattr(func, "_component_description", None) or doc.summary
    return RecordedPipeline(name, description, tuple(inputs), builder, _def_location(func))


def _apply_transformers(builder: PipelineBuilder) -> None:
    """KFP's PipelineConf.add_op_transformer: each function applied to every task."""
    ops = [*builder.ops.values(), *([builder.exit_op] if builder.exit_op else [])]
    for transform in builder.conf.op_transformers:
        for op in ops:
            try:
                transform(op)
            except YamlpipeError:
                raise
            except Exception as exc:
                raise error_from_exception(exc, "an op transformer") from None


def _call(func: Callable[..., Any], builder: PipelineBuilder) -> None:
    try:
        func(**builder.inputs)
    except YamlpipeError:
        raise
    except Exception as exc:
        raise error_from_exception(exc, f"pipeline function {func.__name__!r}") from None


K8S_EXTRA_HINT = (
    "the Kubernetes client models (V1Volume, V1EnvVar, ...) come with the kubernetes package: "
    "pip install 'yamlpipe[k8s]'"
)


RUN_HINT = "fix the error at this line; the function runs once, with placeholders for its inputs"


def error_from_exception(exc: BaseException, what: str, hint: str = RUN_HINT) -> YamlpipeError:
    """A Python exception from the user's code as our error, at the user's line; `hint` says
    what was running (a pipeline function, by default)."""
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] == "kubernetes":
        hint = K8S_EXTRA_HINT
    return YamlpipeError(
        exception_location(exc), f"{what} raised {type(exc).__name__}: {exc}", hint
    )


def exception_location(exc: BaseException) -> Location:
    """The innermost frame of the traceback that is in the user's code."""
    found = Location("<python>")
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if is_user_file(filename):
            found = code_location(filename, tb.tb_lineno)
        tb = tb.tb_next
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        found = Location(exc.filename, exc.lineno, exc.offset or 1)
    return found


def _pipeline_input(
    func: Callable[..., Any], parameter: inspect.Parameter, description: str | None
) -> tuple[PipelineParam, dict[str, Any]]:
    if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
        raise YamlpipeError(
            _def_location(func),
            f"pipeline parameter {parameter.name!r}: a pipeline has a fixed set of named inputs",
        )
    type_spec = _input_type(func, parameter)
    default = parameter.default
    data: dict[str, Any] = {"name": parameter.name}
    if type_spec:
        data["type"] = type_spec
    if description:
        data["description"] = description
    if default is None:
        data["optional"] = True
    elif default is not inspect.Parameter.empty:
        data["default"] = (
            json.dumps(default, sort_keys=True) if isinstance(default, list | dict) else default
        )
    value = None if default is inspect.Parameter.empty else default
    return PipelineParam(parameter.name, value=value, param_type=type_spec), data


def _input_type(func: Callable[..., Any], parameter: inspect.Parameter) -> Any:
    """A pipeline input's type: the Python types map as for components; a name written as a
    string that names nothing importable (`'GCSPath'`) is kept as a KFP type name."""
    annotation = parameter.annotation
    if isinstance(annotation, str):
        try:
            annotation = eval(annotation, func.__globals__, {})
        except Exception:
            return annotation
    if isinstance(annotation, str):
        return annotation
    if hasattr(annotation, "to_dict") and not isinstance(annotation, type):
        return annotation.to_dict()
    try:
        return value_type(annotation, _def_location(func), f"pipeline parameter {parameter.name!r}")
    except YamlpipeError as problem:
        raise YamlpipeError(problem.location, problem.message, _PIPELINE_TYPE_HINT) from None


_PIPELINE_TYPE_HINT = (
    VALUE_TYPE_HINT.split(";")[0] + f" ({', '.join(sorted(t.__name__ for t in PYTHON_TYPES))})"
)


def _def_location(func: Callable[..., Any]) -> Location:
    code = getattr(func, "__code__", None)
    if not isinstance(code, types.CodeType):
        return Location("<python>")
    return code_location(code.co_filename, code.co_firstlineno)
