"""Values for Kubernetes secret references (`env` with `secretKeyRef`), on a machine that has
no cluster: from environment variables `YAMLPIPE_SECRET_<NAME>_<KEY>` or a `--secrets` file
mapping secret names to keys and values. Values are handed to the step's process and
nowhere else: never to the run store, the logs or the terminal."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.load.yamltext import read_yaml

PREFIX = "YAMLPIPE_SECRET_"


def variable_name(secret: str, key: str) -> str:
    """`YAMLPIPE_SECRET_<NAME>_<KEY>`, upper case, anything but letters and digits as `_`."""
    return PREFIX + re.sub(r"[^A-Z0-9]", "_", f"{secret}_{key}".upper())


@dataclass(frozen=True)
class Secrets:
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def lookup(self, secret: str, key: str) -> str | None:
        found = (self.values.get(secret) or {}).get(key)
        return found if found is not None else self.environ.get(variable_name(secret, key))


def read_secrets_file(path: str) -> dict[str, dict[str, str]]:
    """`{secret-name: {key: value}}` from a YAML or JSON file, or a located error."""
    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except OSError as exc:
        raise YamlpipeError(
            Location(path), f"cannot read the secrets file: {exc.strerror}"
        ) from None
    document = read_yaml(text, path)
    data = document.data
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise YamlpipeError(
            Location(path, 1, 1),
            "a secrets file maps each secret name to its keys and values",
            "for example:  db-credentials: {password: s3cret}",
        )
    return {str(n): {str(k): str(v) for k, v in keys.items()} for n, keys in data.items()}
