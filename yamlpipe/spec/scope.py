"""Lexical scopes of groups: which task a name means where it is written, and which loop an
item belongs to. A group's body sees its own tasks first, then its enclosing groups' tasks,
then the pipeline's; outside a group its tasks are invisible."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from yamlpipe.spec.model import Task


@dataclass(frozen=True)
class Scope:
    """One level of tasks: the pipeline's (no owner) or a group's body (owner: the group)."""

    tasks: Mapping[str, Task]
    parent: Scope | None = None
    owner: Task | None = None

    def child(self, group: Task) -> Scope:
        """The scope of a group's body."""
        return Scope(group.tasks, self, group)

    def chain(self) -> Iterator[Scope]:
        """This scope, then each enclosing one out to the pipeline's."""
        scope: Scope | None = self
        while scope is not None:
            yield scope
            scope = scope.parent

    def find(self, name: str) -> tuple[Scope, Task] | None:
        """The innermost task called `name` visible here, with the scope it belongs to."""
        for scope in self.chain():
            task = scope.tasks.get(name)
            if task is not None:
                return scope, task
        return None

    def owners(self) -> Iterator[Task]:
        """The enclosing groups, innermost first."""
        for scope in self.chain():
            if scope.owner is not None:
                yield scope.owner

    def visible(self) -> list[str]:
        """Every task name that can be referred to from here, innermost first."""
        names: dict[str, None] = {}
        for scope in self.chain():
            names.update(dict.fromkeys(scope.tasks))
        return list(names)

    @property
    def key(self) -> int:
        """Identifies the level (scopes are made afresh as they are walked; levels are not)."""
        return id(self.tasks)


@dataclass(frozen=True)
class Where:
    """Where an expression is written: in which scope, by which task (None for a group's or
    the pipeline's outputs), and whether it is that task's own `for_each` (which is read
    before the loop starts, so `item` there is the enclosing loop's)."""

    scope: Scope
    task: Task | None = None
    loop_source: bool = False

    def own_loop(self) -> Task | None:
        """The task itself, when the expression runs once per item of its own for_each."""
        task = self.task
        if task is not None and task.for_each is not None and not self.loop_source:
            return task
        return None

    def loops(self) -> list[Task]:
        """Every loop the expression runs inside, innermost first."""
        own = self.own_loop()
        found = [own] if own is not None else []
        found.extend(g for g in self.scope.owners() if g.for_each is not None)
        return found

    def loops_below(self, outer: Scope) -> list[Task]:
        """The loops between `outer` (an enclosing scope) and the expression."""
        own = self.own_loop()
        found = [own] if own is not None else []
        for scope in self.scope.chain():
            if scope.key == outer.key:
                break
            if scope.owner is not None and scope.owner.for_each is not None:
                found.append(scope.owner)
        return found

    def encloses(self, task: Task) -> bool:
        """Whether `task` is the one writing the expression or a group around it."""
        return task is self.task or any(task is g for g in self.scope.owners())


def iter_scopes(scope: Scope) -> Iterator[Scope]:
    """A scope and the scopes of every group inside it, depth first."""
    yield scope
    for task in scope.tasks.values():
        if task.is_group:
            yield from iter_scopes(scope.child(task))
