"""The API's contract: every /api/v1 answer is typed in the OpenAPI document, every error is
problem+json, and the document equals the checked-in copy, so that a change to the contract
is a visible diff (``make openapi`` writes the copy again).
"""

from __future__ import annotations

import json
from pathlib import Path

from public_site.app import create_app
from registry.db import make_engine

SNAPSHOT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


FILES = {"text/csv", "application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def current_document() -> dict:
    app = create_app(engine=make_engine("sqlite://"), index=None, run_worker=False, migrate=False)
    return app.openapi_schema.to_schema()


def dumped(document: dict) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def test_every_api_answer_has_a_typed_schema_and_every_error_is_a_problem():
    document = current_document()
    schemas = document["components"]["schemas"]
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                where = f"{method.upper()} {path} {code}"
                if "content" not in response:  # 204: nothing to type
                    assert code == "204", f"{where} answers without a body"
                    continue
                (media_type, body), = response["content"].items()
                schema = body["schema"]
                if code.startswith(("4", "5")):
                    assert media_type == "application/problem+json" or schema.get("$ref", "").endswith(
                        "/ImportSummary"), where
                    continue
                target = schema.get("items", schema)
                if media_type.split(";")[0] in FILES:  # a file to download: its bytes are the answer
                    continue
                assert "$ref" in target, f"{where} answers an untyped {schema}"
                assert schemas[target["$ref"].rsplit("/", 1)[1]]["properties"], where
            assert "429" in operation["responses"], f"{method.upper()} {path} does not document its rate limit"


def test_the_contract_is_the_checked_in_one():
    assert SNAPSHOT.exists(), "write it with: make openapi"
    expected, actual = SNAPSHOT.read_text(encoding="utf-8"), dumped(current_document())
    assert actual == expected, "the API's contract changed: review the diff, then run make openapi"


def test_the_certificate_record_follows_the_field_catalogue():
    from registry.catalogue import FIELDS

    properties = current_document()["components"]["schemas"]["CertificateDetail"]["properties"]
    for field in FIELDS:
        if field.hashed and field.name != "admin_status":
            assert field.name in properties, field.name
    assert "content_hash" not in properties and "row_fingerprint" not in properties  # an allow-list


if __name__ == "__main__":
    SNAPSHOT.write_text(dumped(current_document()), encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
