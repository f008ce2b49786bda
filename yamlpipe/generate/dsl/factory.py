"""Task factories: a component turned into a function whose call, inside a pipeline
function, adds a task running that component (KFP's `load_component_*` / `create_component_*`
results)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yamlpipe.errors import YamlpipeError
from yamlpipe.generate.dsl.context import caller_location
from yamlpipe.generate.dsl.ops import ContainerOp
from yamlpipe.spec.model import Component, InputSpec
from yamlpipe.spec.naming import python_name


@dataclass(frozen=True)
class ComponentReference:
    """A component and where a pipeline can find it: a file, a URL, or only its text (a
    generated component, written next to the pipeline when the pipeline is emitted)."""

    component: Component
    text: str
    path: Path | None = None
    url: str | None = None

    @property
    def name(self) -> str:
        return self.component.name or "component"

    def save(self, path: str | Path) -> None:
        """Write the component's YAML to a file (KFP's `component_spec.save`)."""
        Path(path).write_text(self.text, encoding="utf-8")


class TaskFactory:
    """Call it with the component's inputs (by Python name) to add a task."""

    def __init__(self, reference: ComponentReference) -> None:
        self.component_spec = reference
        self.reference = reference
        inputs = list(reference.component.inputs)
        ordered = [i for i in inputs if i.is_required] + [i for i in inputs if not i.is_required]
        self.python_names = {python_name(i.name): i.name for i in ordered}
        self.__signature__ = inspect.Signature([_parameter(i) for i in ordered])
        self.__name__ = python_name(reference.name) or "component"
        self.__doc__ = reference.component.description

    def __call__(self, *args: Any, **kwargs: Any) -> ContainerOp:
        try:
            bound = self.__signature__.bind(*args, **kwargs)
        except TypeError as exc:
            raise YamlpipeError(
                caller_location(),
                f"component {self.reference.name!r}: {exc}",
                f"its inputs are: {', '.join(self.python_names) or '(none)'}",
            ) from None
        arguments = {
            self.python_names[name]: value
            for name, value in bound.arguments.items()
            if value is not None
        }
        return task_for_component(self.reference, arguments)

    def __repr__(self) -> str:
        return f"<task factory {self.reference.name!r}{self.__signature__}>"


def _parameter(spec: InputSpec) -> inspect.Parameter:
    default = inspect.Parameter.empty if spec.is_required else None
    return inspect.Parameter(
        python_name(spec.name), inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default
    )


def task_for_component(reference: ComponentReference, arguments: dict[str, Any]) -> ContainerOp:
    """A task running the component with the given arguments (by input name)."""
    op = ContainerOp(name=reference.name)
    op.component = reference
    op.component_arguments = arguments
    op._set_outputs([o.name for o in reference.component.outputs])
    return op
