"""A run's arguments checked against the pipeline's inputs (names, types, required ones
given) before anything starts: for `yamlpipe run`, the Client and the server alike."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from yamlpipe.errors import Location, YamlpipeError, YamlpipeErrors
from yamlpipe.run.workflow import Workflow
from yamlpipe.spec.types import literal_problem


class ArgumentError(YamlpipeError):
    """A pipeline argument that does not fit the pipeline's inputs (a usage error)."""


def bind_arguments(workflow: Workflow, given: Mapping[str, str]) -> dict[str, str]:
    """Check arguments against the pipeline's inputs: names, types, required ones given."""
    declared = {str(p.get("name")): p for p in workflow.arguments("parameters")}
    types = {str(i["name"]): i.get("type") for i in workflow.pipeline_inputs()}
    problems: list[YamlpipeError] = []
    for name, value in given.items():
        if name not in declared:
            problems.append(_unknown_argument(name, list(declared)))
            continue
        problem = literal_problem(value, types.get(name)) if types.get(name) else None
        if problem:
            problems.append(
                ArgumentError(
                    Location("<arguments>"),
                    f"argument {name}={value!r} {problem} (the input is {types[name]})",
                )
            )
    for name, param in declared.items():
        if name not in given and param.get("value") is None:
            problems.append(
                ArgumentError(
                    Location("<arguments>"),
                    f"the pipeline input {name!r} has no default; give it a value",
                    f"-a {name}=VALUE",
                )
            )
    if problems:
        raise YamlpipeErrors(problems)
    return dict(given)


def _unknown_argument(name: str, declared: list[str]) -> ArgumentError:
    close = difflib.get_close_matches(name, declared, n=1)
    where = f" (did you mean {close[0]!r}?)" if close else ""
    return ArgumentError(
        Location("<arguments>"),
        f"the pipeline has no input {name!r}{where}",
        f"its inputs: {', '.join(declared) or 'none'}",
    )


__all__ = ["ArgumentError", "bind_arguments"]
