"""KFP v1's `kfp.dsl.types`: type objects for pipeline parameters and component ports. Each
writes itself as KFP does, a one-key map of the type name to its schema properties (so
`Integer()` is `{Integer: {openapi_schema_validator: {type: integer}}}`)."""

from __future__ import annotations

from typing import Any

_SCHEMAS: dict[str, dict[str, Any]] = {
    "Integer": {"type": "integer"},
    "String": {"type": "string"},
    "Float": {"type": "number"},
    "Bool": {"type": "boolean"},
    "List": {"type": "array"},
    "Dict": {"type": "object"},
    "GCSPath": {"type": "string", "pattern": "^gs://.*$"},
    "GCRPath": {"type": "string", "pattern": "^.*gcr\\.io/.*$"},
    "GCPRegion": {"type": "string"},
    "GCPProjectID": {"type": "string"},
    "LocalPath": {"type": "string"},
}


class BaseType:
    """A KFP type; `to_dict()` is how component and pipeline specs write it."""

    def __init__(self) -> None:
        schema = _SCHEMAS.get(type(self).__name__)
        if schema is not None:
            self.openapi_schema_validator = dict(schema)

    def to_dict(self) -> dict[str, Any] | str:
        return {type(self).__name__: dict(vars(self))} if vars(self) else type(self).__name__


def _type_class(name: str) -> type[BaseType]:
    return type(name, (BaseType,), {"__doc__": f"KFP's {name} type."})


Integer = _type_class("Integer")
String = _type_class("String")
Float = _type_class("Float")
Bool = _type_class("Bool")
List = _type_class("List")
Dict = _type_class("Dict")
GCSPath = _type_class("GCSPath")
GCRPath = _type_class("GCRPath")
GCPRegion = _type_class("GCPRegion")
GCPProjectID = _type_class("GCPProjectID")
LocalPath = _type_class("LocalPath")


class InconsistentTypeException(Exception):
    """Raised by KFP when two types do not match (yamlpipe reports a located error)."""


TYPE_NAMES: dict[str, Any] = {
    "BaseType": BaseType,
    **{name: globals()[name] for name in _SCHEMAS},
    "InconsistentTypeException": InconsistentTypeException,
}
