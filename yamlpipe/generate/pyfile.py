"""Running a user's Python file (a pipeline or component module) and finding a function in
it; every failure becomes a located error, never a traceback."""

from __future__ import annotations

import difflib
import importlib.util
import inspect
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from types import ModuleType
from typing import Any

from yamlpipe.errors import Location, UsageError, YamlpipeError
from yamlpipe.generate.dsl.pipeline import (
    error_from_exception,
    exception_location,
    is_pipeline_function,
)


@contextmanager
def module_aliases(modules: Mapping[str, ModuleType]) -> Iterator[None]:
    """Make `import NAME` find the given modules for the duration of the block (how
    `import kfp.dsl` finds yamlpipe's DSL), then put back whatever was there."""
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    try:
        yield
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous


class _ExitCalled(BaseException):
    """os._exit(code), called by the user's code while yamlpipe runs it."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _raise_exit(code: int) -> None:
    raise _ExitCalled(code)


@contextmanager
def running_user_code(what: str) -> Iterator[None]:
    """While a user's module or function runs: what it prints goes to stderr (stdout carries
    the YAML), and sys.exit or os._exit, which would end yamlpipe with no output (and exit
    code 0), becomes a located error."""
    saved = os._exit
    setattr(os, "_exit", _raise_exit)  # noqa: B010  (mypy refuses assigning to a function)
    try:
        with redirect_stdout(sys.stderr):
            yield
    except (SystemExit, _ExitCalled) as exc:
        call = "os._exit" if isinstance(exc, _ExitCalled) else "sys.exit"
        raise YamlpipeError(
            exception_location(exc),
            f"{what} calls {call}({exc.code!r}), which would end yamlpipe before it writes "
            "anything",
            "yamlpipe imports the module (as KFP does) and runs only the function: put "
            "top-level code under `if __name__ == '__main__':`",
        ) from None
    finally:
        setattr(os, "_exit", saved)  # noqa: B010


@contextmanager
def _on_path(folder: Path) -> Iterator[None]:
    """The file's folder is importable while it runs, as with `python FILE.py`."""
    entry = str(folder)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        if entry in sys.path:
            sys.path.remove(entry)


def import_hint(exc: BaseException, file: str) -> str:
    """What to do about an exception raised while a user's file is imported: that yamlpipe
    imports it is the surprise, and a package missing here the usual cause."""
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        package = exc.name.split(".")[0]
        return (
            f"yamlpipe imports {file} (as KFP does) to read its functions, so what it imports "
            f"must be installed here: install {package!r}, or import it inside the function "
            "that uses it"
        )
    return (
        f"fix the error at this line: yamlpipe imports {file} (as KFP does), which runs its "
        "top-level code; put code that should not run then under `if __name__ == '__main__':`"
    )


def load_python_file(path: Path, display: str | None = None) -> ModuleType:
    """Run a Python file as a module (not as __main__) and return it."""
    name = display or str(path)
    if not path.is_file():
        raise UsageError(Location(name), "no such Python file")
    module_name = "yamlpipe_user_" + "".join(c if c.isalnum() else "_" for c in path.stem)
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise YamlpipeError(Location(name), "cannot load this file as Python")
    module = importlib.util.module_from_spec(spec)
    with _on_path(path.resolve().parent), running_user_code(f"importing {name}"):
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except (YamlpipeError, SystemExit, _ExitCalled):
            raise
        except SyntaxError as exc:
            raise YamlpipeError(
                Location(name, exc.lineno or 1, exc.offset or 1), f"Python syntax error: {exc.msg}"
            ) from None
        except BaseException as exc:
            raise error_from_exception(exc, f"running {name}", import_hint(exc, name)) from None
        finally:
            sys.modules.pop(module_name, None)
    return module


def find_function(module: ModuleType, name: str, file: str) -> Callable[..., Any]:
    """The function called `name` in the module, or an error listing the ones there are."""
    value = getattr(module, name, None)
    if inspect.isfunction(value):
        return value
    if value is not None and callable(getattr(value, "__wrapped__", None)):
        return value.__wrapped__  # type: ignore[no-any-return]
    functions = sorted(n for n, v in vars(module).items() if inspect.isfunction(v))
    close = difflib.get_close_matches(name, functions, n=1)
    raise UsageError(
        Location(file),
        f"{file} has no function {name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""),
        f"functions in the file: {', '.join(functions) or '(none)'}",
    )


def find_pipeline_function(
    module: ModuleType, file: str, naming: str | None = None
) -> Callable[..., Any]:
    """The one function decorated with @dsl.pipeline, when no name is given; `naming` is
    the hint saying how the command in use names one (FILE.py:FUNCTION by default)."""
    found = [v for v in vars(module).values() if is_pipeline_function(v)]
    local = [f for f in found if getattr(f, "__module__", None) == module.__name__] or found
    if len(local) == 1:
        return local[0]  # type: ignore[no-any-return]
    names = ", ".join(sorted(f.__name__ for f in local))
    raise UsageError(
        Location(file),
        f"{file} has {'no' if not local else 'several'} @dsl.pipeline functions"
        + (f" ({names})" if names else ""),
        naming or f"name one: {file}:FUNCTION",
    )
