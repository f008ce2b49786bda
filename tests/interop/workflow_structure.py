"""What a KFP-style Argo Workflow does, without how it is spelled: used to compare yamlpipe's
packages with the ones kfp==1.8.22 compiles from the Python twins in tests/interop/pipelines.

Every leaf task (a pod: container or resource) is described by what it runs once every
value is traced back to where it comes from: a pipeline input, another task's output, the
loop item, a constant. So KFP's groups (condition-N, for-loop-N, exit-handler-N) and
yamlpipe's shared templates, loop wrappers and nested pipeline DAGs all read the same.

A leaf is named by the path of task names that leads to it (KFP's groups left out, a loop
wrapper counted once), joined by `-`. Values read as `<<input:NAME>>`,
`<<output:LEAF:OUTPUT>>`, `<<item>>`, `<<item.KEY>>`, `<<workflow.FIELD>>`, `<<volume:LEAF>>`,
`<<snapshot:LEAF>>`; constants as themselves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML

Json = dict[str, Any]
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
KFP_GROUP = re.compile(r"^(condition|for-loop|exit-handler|subgraph|graph)(-.+)?-\d+$")
TOKEN = re.compile(r"<<[^<>]+>>")
GLOBALS = ("<<volume:", "<<snapshot:", "<<workflow.")
"""Not data a task is handed: volumes are mounted, workflow fields are Argo's globals."""


@dataclass
class Scope:
    """The values of one DAG template invocation: its inputs, and its finished tasks."""

    params: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)
    exports: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    leaves: dict[str, set[str]] = field(default_factory=dict)

    def resolve(self, text: str) -> str:
        return PLACEHOLDER.sub(lambda m: self.lookup(m.group(1)), text)

    def lookup(self, expression: str) -> str:
        parts = expression.split(".")
        if parts[:2] == ["inputs", "parameters"]:
            return self.params.get(parts[2], f"<<unbound:{parts[2]}>>")
        if parts[:2] == ["inputs", "artifacts"]:
            return self.artifacts.get(parts[2], f"<<unbound:{parts[2]}>>")
        if parts[0] == "tasks" and len(parts) == 5:
            kind = parts[3]
            return self.exports.get(parts[1], {}).get(kind, {}).get(parts[4], "<<?>>")
        if parts[:2] == ["workflow", "parameters"]:
            return f"<<input:{parts[2]}>>"
        if parts[0] in ("item", "workflow"):
            return f"<<{expression}>>"
        return "{{" + expression + "}}"


@dataclass
class Context:
    """What encloses a task: conditions, loops, parallelism limits, what it waits for."""

    path: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    loops: tuple[Any, ...] = ()
    parallelism: tuple[int, ...] = ()
    after: frozenset[str] = frozenset()
    nesting: tuple[Any, ...] = ()
    """Loops and conditions in the order they enclose the task."""


def leaf_id(path: Iterable[str]) -> str:
    kept: list[str] = []
    for name in path:
        if KFP_GROUP.match(name) or (kept and kept[-1] == name):
            continue
        kept.append(name)
    return "-".join(kept)


def _split_and(condition: str) -> list[str]:
    """yamlpipe writes `a and b` as one `A && B`; KFP nests two groups. Both become [A, B]."""
    depth, start, atoms = 0, 0, []
    for i, char in enumerate(condition):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and condition.startswith(" && ", i):
            atoms.append(condition[start:i])
            start = i + 4
    atoms.append(condition[start:])
    return [a.strip() for a in atoms]


def _topological(tasks: list[Json]) -> list[Json]:
    by_name = {t["name"]: t for t in tasks}
    done: list[Json] = []
    seen: set[str] = set()

    def visit(task: Json) -> None:
        if task["name"] in seen:
            return
        seen.add(task["name"])
        for dep in task.get("dependencies") or []:
            visit(by_name[dep])
        done.append(task)

    for task in tasks:
        visit(task)
    return done


class Structure:
    """Walks a Workflow from its entrypoint and describes every leaf task."""

    def __init__(self, workflow: Json, nesting: bool = False) -> None:
        self.workflow = workflow
        self.with_nesting = nesting
        self.templates = {t["name"]: t for t in workflow["spec"]["templates"]}
        self.leaves: dict[str, Json] = {}
        self.parents: dict[str, set[str]] = {}

    def build(self) -> Json:
        spec = self.workflow["spec"]
        root = self.templates[spec["entrypoint"]]
        scope = Scope(
            {
                p["name"]: f"<<input:{p['name']}>>"
                for p in root.get("inputs", {}).get("parameters", [])
            },
            {
                a["name"]: f"<<input:{a['name']}>>"
                for a in root.get("inputs", {}).get("artifacts", [])
            },
        )
        self.walk(root, scope, Context())
        exit_leaf = None
        if "onExit" in spec:
            arguments = {
                "parameters": [
                    {"name": p["name"], "value": "{{workflow.parameters." + p["name"] + "}}"}
                    for p in spec.get("arguments", {}).get("parameters", [])
                ]
            }
            arguments["artifacts"] = spec.get("arguments", {}).get("artifacts", [])
            exit_task = {"name": "on-exit", "template": spec["onExit"], "arguments": arguments}
            exit_leaf = self.call(exit_task, Scope(), Context())
        aliases = self.aliases()
        leaves = json.loads(_apply_aliases(json.dumps(self.leaves, sort_keys=True), aliases))
        for name, leaf in leaves.items():
            leaf["after"] = sorted(self.ancestors(name))
            leaf["params"] = sorted(t for t in set(leaf["params"]) if not t.startswith(GLOBALS))
        return {"leaves": leaves, "exit": exit_leaf, "workflow": self.settings()}

    def settings(self) -> Json:
        spec = self.workflow["spec"]
        arguments = [
            (p["name"], p.get("value")) for p in spec.get("arguments", {}).get("parameters", [])
        ]
        return {
            "arguments": sorted(arguments, key=lambda a: a[0]),
            "parallelism": spec.get("parallelism"),
            "ttl": spec.get("ttlStrategy"),
            "image_pull_secrets": spec.get("imagePullSecrets"),
            "deadline": spec.get("activeDeadlineSeconds"),
        }

    def ancestors(self, name: str) -> set[str]:
        found: set[str] = set()
        stack = list(self.parents.get(name, ()))
        while stack:
            parent = stack.pop()
            if parent not in found:
                found.add(parent)
                stack.extend(self.parents.get(parent, ()))
        return found

    # ---- walking ----------------------------------------------------------------------

    def walk(self, template: Json, scope: Scope, context: Context) -> None:
        for task in _topological(template["dag"]["tasks"]):
            after = set(context.after)
            for dep in task.get("dependencies") or []:
                after |= scope.leaves.get(dep, set())
            conditions = _split_and(scope.resolve(task["when"])) if "when" in task else []
            loops = [self.loop(task, scope)] if "withItems" in task or "withParam" in task else []
            inner = Context(
                (*context.path, task["name"]),
                (*context.conditions, *conditions),
                (*context.loops, *loops),
                context.parallelism,
                frozenset(after),
                (
                    *context.nesting,
                    *(["loop", lp] for lp in loops),
                    *(["when", c] for c in conditions),
                ),
            )
            produced = self.call(task, scope, inner)
            scope.leaves[task["name"]] = produced

    def loop(self, task: Json, scope: Scope) -> Any:
        if "withItems" in task:
            return ["items", task["withItems"]]
        return ["param", scope.resolve(task["withParam"])]

    def arguments(self, task: Json, scope: Scope) -> tuple[dict[str, str], dict[str, str]]:
        arguments = task.get("arguments", {})
        params = {
            p["name"]: scope.resolve(str(p["value"])) for p in arguments.get("parameters", [])
        }
        artifacts = {
            a["name"]: self.artifact_value(a, scope) for a in arguments.get("artifacts", [])
        }
        return params, artifacts

    def artifact_value(self, artifact: Json, scope: Scope) -> str:
        if "from" in artifact:
            return scope.resolve(artifact["from"])
        if "raw" in artifact:
            return "raw:" + scope.resolve(artifact["raw"]["data"])
        return "<<none>>"

    def call(self, task: Json, scope: Scope, context: Context) -> set[str]:
        """Walk into the task's template; returns the leaves it ran."""
        template = self.templates[task["template"]]
        params, artifacts = self.arguments(task, scope)
        inputs = template.get("inputs", {})
        child = Scope()
        for p in inputs.get("parameters", []):
            value = p.get("value", params.get(p["name"], p.get("default")))
            child.params[p["name"]] = scope.resolve(str(value)) if "value" in p else str(value)
        for a in inputs.get("artifacts", []):
            own = self.artifact_value(a, scope) if ("raw" in a or "from" in a) else None
            child.artifacts[a["name"]] = own or artifacts.get(a["name"], "<<none>>")
        if "dag" in template:
            parallelism = (template["parallelism"],) if template.get("parallelism") else ()
            inner = Context(
                context.path,
                context.conditions,
                context.loops,
                context.parallelism + parallelism,
                context.after,
                context.nesting,
            )
            self.walk(template, child, inner)
            scope.exports[task["name"]] = self.dag_exports(template, child)
            return set().union(*child.leaves.values()) if child.leaves else set()
        name = leaf_id(context.path if context.path else (task["name"],))
        self.leaves[name] = self.describe(template, child, context)
        self.parents[name] = set(context.after)
        scope.exports[task["name"]] = self.leaf_exports(template, name)
        return {name}

    def dag_exports(self, template: Json, child: Scope) -> dict[str, dict[str, str]]:
        outputs = template.get("outputs", {})
        return {
            "parameters": {
                p["name"]: child.resolve(p["valueFrom"]["parameter"])
                for p in outputs.get("parameters", [])
            },
            "artifacts": {
                a["name"]: child.resolve(a["from"]) for a in outputs.get("artifacts", [])
            },
        }

    def leaf_exports(self, template: Json, name: str) -> dict[str, dict[str, str]]:
        outputs = template.get("outputs", {})
        prefix = template["name"] + "-"
        strip = lambda n: n[len(prefix) :] if n.startswith(prefix) else n  # noqa: E731
        return {
            kind: {
                o["name"]: f"<<output:{name}:{strip(o['name'])}>>" for o in outputs.get(kind, [])
            }
            for kind in ("parameters", "artifacts")
        }

    # ---- describing a leaf ------------------------------------------------------------

    def describe(self, template: Json, scope: Scope, context: Context) -> Json:
        leaf: Json = {
            "conditions": sorted(context.conditions),
            "loops": list(context.loops),
            "parallelism": list(context.parallelism),
            "params": sorted({t for v in scope.params.values() for t in TOKEN.findall(v)}),
            "artifacts": {},
            "outputs": self.outputs(template),
            "retry": template.get("retryStrategy"),
            "timeout": template.get("activeDeadlineSeconds"),
            "node_selector": template.get("nodeSelector"),
            "tolerations": sorted(
                json.dumps(t, sort_keys=True) for t in template.get("tolerations", [])
            ),
            "caching": template.get("metadata", {})
            .get("labels", {})
            .get("pipelines.kubeflow.org/enable_caching"),
            "staleness": template.get("metadata", {})
            .get("annotations", {})
            .get("pipelines.kubeflow.org/max_cache_staleness"),
            "display_name": template.get("metadata", {})
            .get("annotations", {})
            .get("pipelines.kubeflow.org/task_display_name"),
        }
        if self.with_nesting:
            leaf["nesting"] = list(context.nesting)
        if "podSpecPatch" in template:
            leaf["pod_spec_patch"] = json.loads(scope.resolve(template["podSpecPatch"]))
        for a in template.get("inputs", {}).get("artifacts", []):
            leaf["artifacts"][a.get("path", a["name"])] = scope.artifacts.get(a["name"])
        if "container" in template:
            leaf.update(self.container(template, scope))
            read = " ".join([*leaf["command_line"], *map(str, leaf["env"].values())])
            leaf["artifacts"] = {p: v for p, v in leaf["artifacts"].items() if p in read}
        else:
            leaf.update(self.resource(template["resource"], scope))
        return leaf

    def outputs(self, template: Json) -> Json:
        outputs = template.get("outputs", {})
        prefix = template["name"] + "-"
        strip = lambda n: n[len(prefix) :] if n.startswith(prefix) else n  # noqa: E731
        return {
            kind: sorted(strip(o["name"]) for o in outputs.get(kind, []))
            for kind in ("parameters", "artifacts")
        }

    def container(self, template: Json, scope: Scope) -> Json:
        container = template["container"]
        env = {}
        for var in container.get("env", []):
            env[var["name"]] = scope.resolve(var["value"]) if "value" in var else var["valueFrom"]
        resources = container.get("resources") or {}
        return {
            "kind": "container",
            "image": container["image"],
            "command_line": [
                scope.resolve(str(a))
                for a in [*container.get("command", []), *container.get("args", [])]
            ],
            "env": env,
            "resources": {k: {n: str(q) for n, q in v.items()} for k, v in resources.items() if v},
            "mounts": sorted(self.mounts(template, scope)),
            "image_pull_policy": container.get("imagePullPolicy"),
            "affinity": template.get("affinity"),
            "sidecars": sorted(json.dumps(s, sort_keys=True) for s in template.get("sidecars", [])),
        }

    def mounts(self, template: Json, scope: Scope) -> Iterable[str]:
        claims = {
            v["name"]: (
                scope.resolve(v["persistentVolumeClaim"]["claimName"]),
                v["persistentVolumeClaim"].get("readOnly", False),
            )
            if "persistentVolumeClaim" in v
            else (json.dumps({k: x for k, x in v.items() if k != "name"}, sort_keys=True), False)
            for v in template.get("volumes", [])
        }
        for mount in template["container"].get("volumeMounts", []):
            claim, claim_read_only = claims[mount["name"]]
            yield json.dumps(
                [
                    mount["mountPath"],
                    claim,
                    mount.get("subPath"),
                    mount.get("readOnly", False),
                    claim_read_only,
                ]
            )

    def resource(self, resource: Json, scope: Scope) -> Json:
        manifest = YAML(typ="safe", pure=True).load(scope.resolve(resource["manifest"]))
        kind = manifest.get("kind")
        fields = {
            k: resource.get(k)
            for k in (
                "action",
                "successCondition",
                "failureCondition",
                "mergeStrategy",
                "setOwnerReference",
                "flags",
            )
        }
        described = _MANIFESTS.get(kind, _plain_manifest)(manifest)
        return {
            "kind": {"PersistentVolumeClaim": "volume", "VolumeSnapshot": "snapshot"}.get(
                kind, "resource"
            ),
            "resource": fields,
            "manifest": described,
        }

    def aliases(self) -> dict[str, str]:
        """Volumes and snapshots by what yamlpipe names them (the object's name) and by what KFP
        names them (the creating task's `name` output) -> one token."""
        aliases: dict[str, str] = {}
        for name, leaf in self.leaves.items():
            if leaf.get("kind") in ("volume", "snapshot"):
                token = f"<<{leaf['kind']}:{name}>>"
                aliases[f"<<output:{name}:name>>"] = token
                aliases[leaf["manifest"]["name"]] = token
        return aliases


def _apply_aliases(text: str, aliases: Mapping[str, str]) -> str:
    for source, token in sorted(aliases.items(), key=lambda a: -len(a[0])):
        text = text.replace(json.dumps(source)[1:-1], token)
    return text


def _plain_manifest(manifest: Json) -> Json:
    return manifest


def _volume_manifest(manifest: Json) -> Json:
    spec = manifest.get("spec", {})
    source = spec.get("dataSource")
    return {
        "name": manifest["metadata"]["name"],
        "annotations": manifest["metadata"].get("annotations"),
        "access_modes": spec.get("accessModes"),
        "storage": spec.get("resources", {}).get("requests", {}).get("storage"),
        "class": spec.get("storageClassName"),
        "source": None if source is None else [source.get("kind"), source.get("name")],
    }


def _snapshot_manifest(manifest: Json) -> Json:
    spec = manifest.get("spec", {})
    source = spec.get("source", {})
    return {
        "name": manifest["metadata"]["name"],
        "annotations": manifest["metadata"].get("annotations"),
        "class": spec.get("volumeSnapshotClassName") or spec.get("snapshotClassName"),
        "claim": source.get("persistentVolumeClaimName") or source.get("name"),
    }


_MANIFESTS = {"PersistentVolumeClaim": _volume_manifest, "VolumeSnapshot": _snapshot_manifest}


def workflow_structure(workflow: Json, nesting: bool = False) -> Json:
    """The structure of a Workflow (see the module docstring); with `nesting`, each leaf also
    lists its loops and conditions in the order they enclose it."""
    return Structure(workflow, nesting).build()


def assert_same_leaves(
    ours: Json, theirs: Json, differences: Mapping[str, list[str]], only_ours: Iterable[str] = ()
) -> None:
    """Every leaf of `theirs` described the same in `ours`, but for the fields `differences`
    names for the leaf (by name, `*`, or `kind:KIND`); then the exit handler and the workflow
    settings (`differences["workflow"]`)."""
    extra = set(only_ours)
    assert sorted(set(ours["leaves"]) - extra) == sorted(theirs["leaves"])
    for name, leaf in sorted(theirs["leaves"].items()):
        skipped = {
            field
            for key in (name, "*", f"kind:{leaf['kind']}")
            for field in differences.get(key, [])
        }
        mine = {k: v for k, v in ours["leaves"][name].items() if k not in skipped}
        reference = {k: v for k, v in leaf.items() if k not in skipped}
        if "after" in mine:
            mine["after"] = [a for a in mine["after"] if a not in extra]
        assert mine == reference, f"task {name!r} differs from kfp's"
    assert ours["exit"] == theirs["exit"]
    skipped_settings = set(differences.get("workflow", []))
    assert {k: v for k, v in ours["workflow"].items() if k not in skipped_settings} == {
        k: v for k, v in theirs["workflow"].items() if k not in skipped_settings
    }
