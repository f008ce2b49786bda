"""KFP's list arguments: the name filter kfp.Client builds (a JSON `Filter` with one EQUALS
predicate), and for the local store, reading that filter, `sort_by` and page tokens back."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from yamlpipe.kfpapi.errors import ClientError
from yamlpipe.kfpapi.records import ListQuery
from yamlpipe.run.store import SORT_COLUMNS, Page

EQUALS = 1
"""`Predicate.Op.EQUALS` in KFP's filter.proto; kfp.Client sends the number."""


def name_filter(name: str) -> str:
    """The filter kfp.Client sends to find an experiment or pipeline by its name."""
    return json.dumps({"predicates": [{"op": EQUALS, "key": "name", "stringValue": name}]})


def filtered_name(where: str, text: str | None) -> str | None:
    """The name a filter asks for (None: no filter); the local store reads no other filter."""
    if not text:
        return None
    try:
        data = json.loads(text)
        [predicate] = data["predicates"]
        op, key = predicate.get("op"), predicate.get("key")
        value = predicate.get("stringValue", predicate.get("string_value"))
    except (ValueError, KeyError, TypeError, AttributeError):
        value, op, key = None, None, None
    if key == "name" and op in (EQUALS, "EQUALS") and isinstance(value, str):
        return value
    raise ClientError(
        where,
        f"the local run store filters by name only; cannot apply {text!r}",
        'filter with {"predicates": [{"op": "EQUALS", "key": "name", "stringValue": NAME}]}',
    )


def page_of(where: str, query: ListQuery) -> Page:
    """The store's page for KFP's page_token, page_size and sort_by."""
    field, _, direction = query.sort_by.strip().partition(" ")
    if field and field not in SORT_COLUMNS:
        raise ClientError(
            where,
            f"cannot sort by {field!r}",
            f"sort by one of {', '.join(sorted(SORT_COLUMNS))}, optionally followed by ' desc'",
        )
    return Page(
        offset=_offset(where, query.page_token),
        limit=max(0, query.page_size),
        order=field or "created_at",
        descending=direction.strip().lower() == "desc",
    )


def next_token(page: Page, total: int) -> str:
    """The token of the page after this one; empty on the last page, as KFP answers."""
    following = page.offset + page.limit
    if not page.limit or following >= total:
        return ""
    return base64.urlsafe_b64encode(json.dumps({"offset": following}).encode()).decode()


def _offset(where: str, token: str) -> int:
    if not token:
        return 0
    try:
        data: Any = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = int(data["offset"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        offset = -1
    if offset < 0:
        raise ClientError(
            where,
            f"page_token {token!r} is not one this store handed out",
            "pass next_page_token from the previous page",
        )
    return offset


__all__ = ["filtered_name", "name_filter", "next_token", "page_of"]
