"""Schemathesis over the whole OpenAPI document: generated requests for every operation,
anonymous and with a token of each role, on SQLite and PostgreSQL. No answer may be a 5xx,
and none may contradict the document (status, content type, headers, body schema).

CI runs a fixed, derandomised set (``HOPQUY_FUZZ_EXAMPLES`` per operation, 12 by default);
a longer run by hand: ``HOPQUY_FUZZ_EXAMPLES=400 pytest tests/hostile/test_fuzz.py``.
"""

from __future__ import annotations

import dataclasses
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

from public_site.app import create_app
from registry.access import create_token
from registry.settings import get_settings

EXAMPLES = int(os.environ.get("HOPQUY_FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
pytestmark = pytest.mark.slow


@pytest.fixture
def api_app(sample_registry, sample_index):
    limits_off = dataclasses.replace(get_settings(), rate_limit_per_minute=0)  # the generator is no flood
    return create_app(limits_off, sample_registry, sample_index, run_worker=False, migrate=False)


@pytest.fixture
def role_headers(sample_registry) -> list[dict[str, str]]:
    """No token, then a token of each role (the importer bound to the sample's source)."""
    headers: list[dict[str, str]] = [{}]
    with Session(sample_registry) as session:
        for role in ("admin", "inspector", "importer", "partner"):
            secret = create_token(session, role, f"fuzz {role}", "hanoi" if role == "inspector" else None,
                                  sources=["sample"] if role == "importer" else ())[1]
            headers.append({"Authorization": f"Bearer {secret}"})
        session.commit()
    return headers


def test_no_generated_request_gets_a_5xx_or_an_undocumented_answer(api_app, role_headers):
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", api_app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20  # the whole document, not an empty one
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_as_documented(case):
            for headers in role_headers:
                case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            answers_as_documented()
        except Exception as exc:  # every operation is tried; the failures are listed together
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
