"""What every REST endpoint shares: bounded ids and text, pages, ETags, errors.

Input is bounded where the database would otherwise choke (ids beyond 64 bits, offsets
past any table, NUL characters PostgreSQL refuses), so bad input is a 400, never a 500.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, TypeVar

from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Schema
from ninja.errors import HttpError
from pydantic import AfterValidator, BeforeValidator, create_model

from ontrack.web.api.auth import audit_page
from ontrack.web.audit.events import record_list_view, record_view
from ontrack.web.common.actions import ActionError, ConcurrencyError

MAX_ID = 2**53 - 1  # JSON numbers are exact up to here; every id fits
MAX_OFFSET = 10_000_000
MAX_LIMIT = 500
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
M = TypeVar("M", bound=models.Model)


def _clean_text(value: str) -> str:
    if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("text may not contain NUL characters or lone surrogates")
    return value


Text = Annotated[str, AfterValidator(_clean_text)]
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: object) -> object:
    # pydantic's lax mode reads 0 or "0" as 1 Jan 1970 (a Unix time); the API takes dates
    # written as dates, YYYY-MM-DD, and nothing else.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value
    raise ValueError("give a date as YYYY-MM-DD")


Date = Annotated[dt.date, BeforeValidator(_iso_date)]


def _iso_datetime(value: object) -> object:
    if isinstance(value, dt.datetime) or (isinstance(value, str) and _ISO_DATE.match(value[:10])):
        return value
    raise ValueError("give a date and time as YYYY-MM-DDTHH:MM[:SS][+HH:MM]")


DateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime)]


class ErrorOut(Schema):
    """Why the request was refused: one line, and per-field messages where there are some."""

    detail: str
    errors: dict[str, str] = Field(default_factory=dict)


ERRORS: dict[int, type[Schema]] = dict.fromkeys((400, 401, 403, 404, 409, 428, 429), ErrorOut)
READ_ERRORS: dict[int, type[Schema]] = dict.fromkeys((400, 401, 403, 404, 429), ErrorOut)


def responses(out: Any, status: int = 200, *, write: bool = False) -> dict[int, Any]:
    """The documented responses of an endpoint: its result and every refusal it can give."""
    return {status: out, **(ERRORS if write else READ_ERRORS)}


# Documented on every write that changes a versioned record (see ``expected_version``).
IF_MATCH: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": "If-Match",
            "required": False,
            "schema": {"type": "string"},
            "description": 'The ETag you read, e.g. "3". Missing: 428; stale: 409.',
        }
    ]
}


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Items per page (at most 500).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")


class DateRange(Schema):
    since: Date | None = Field(None, description="On or after this date (YYYY-MM-DD).")
    until: Date | None = Field(None, description="On or before this date (YYYY-MM-DD).")


def page_of(item: type[Schema]) -> type[Schema]:
    """A page of ``item``: the count of all matches, and this page's items."""
    return create_model(
        f"{item.__name__}Page",
        __base__=Schema,
        count=(int, ...),
        limit=(int, ...),
        offset=(int, ...),
        items=(list[item], ...),  # type: ignore[valid-type]
    )


_CLIENT = "api_audit_client_id"


def _with_client(queryset: models.QuerySet[M], path: str) -> models.QuerySet[M]:
    # Each row's client for the audit, read in the same query (every client_path is a
    # chain of foreign keys, so this adds a join, never a row).
    annotated: models.QuerySet[M] = queryset.annotate(**{_CLIENT: models.F(path or "pk")})
    return annotated


def paginate(
    request: HttpRequest, queryset: models.QuerySet[Any], page: PageParams
) -> dict[str, Any]:
    """One page of ``queryset``; the clients it shows are logged as a list view."""
    window = slice(page.offset, page.offset + page.limit)
    path: str | None = getattr(queryset.model, "client_path", None)
    if path is None:
        items = list(queryset[window])
    else:
        items = list(_with_client(queryset, path)[window])
        record_list_view(
            by=request.user,
            page=audit_page(request, "api"),
            path=request.get_full_path(),
            client_ids=[c for c in (getattr(i, _CLIENT) for i in items) if c is not None],
        )
    return {"count": queryset.count(), "limit": page.limit, "offset": page.offset, "items": items}


def in_range(queryset: models.QuerySet[M], field: str, dates: DateRange) -> models.QuerySet[M]:
    if dates.since is not None:
        queryset = queryset.filter(**{f"{field}__gte": dates.since})
    if dates.until is not None:
        queryset = queryset.filter(**{f"{field}__lte": dates.until})
    return queryset


def get_visible(request: HttpRequest, queryset: models.QuerySet[M], pk: int) -> M:
    """The record if the caller may see it (otherwise it does not exist: 404); a read of a
    client's record is logged as a view of it (a write is audited by its action)."""
    path: str | None = getattr(queryset.model, "client_path", None)
    audited = path is not None and request.method == "GET"
    found = (_with_client(queryset, path or "") if audited else queryset).filter(pk=pk).first()
    if found is None:
        raise Http404(f"No {queryset.model._meta.verbose_name} {pk} that you may see.")
    if audited:
        record_view(
            by=request.user,
            page=audit_page(request, "api"),
            target=found,
            client_id=getattr(found, _CLIENT),
        )
    return found


# -- optimistic concurrency -------------------------------------------------------------------

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: HttpResponse, instance: Any) -> None:
    response["ETag"] = etag(instance.version)


def if_match(request: HttpRequest) -> int:
    """The version the writer read (``If-Match: "<version>"``); 428 without it."""
    header = request.headers.get("If-Match")
    if header is None:
        raise HttpError(
            428, 'Send If-Match with the ETag you read (e.g. If-Match: "3"); nothing was changed.'
        )
    match = _ETAG.match(header)
    if match is None:
        raise HttpError(400, 'If-Match must be one ETag such as "3".')
    return int(match.group(1))


def expected_version(request: HttpRequest, instance: Any) -> int:
    """The ``If-Match`` version, refused at once (409) if the record has moved on since.

    The action claims the version again inside its transaction, so a writer who slips in
    between still loses; this only answers a stale writer before anything else is checked.
    """
    expected = if_match(request)
    if expected != instance.version:
        raise ConcurrencyError(str(instance._meta.verbose_name), expected, instance.version)
    return expected


def action_error_body(error: ActionError) -> dict[str, Any]:
    return {"detail": " ".join(error.errors.values()), "errors": error.errors}


__all__ = [
    "ERRORS",
    "Id",
    "Query",
    "Text",
]
