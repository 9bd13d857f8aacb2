"""parse_portal_result against the shared fixture tests/conformance/portal-messages.json, which the
Rust, Node and browser tests (the JavaScript parser of ``brokerlink/portal``) read too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import brokerlink

FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "conformance" / "portal-messages.json"
CASES: list[dict[str, Any]] = json.loads(FIXTURE.read_text(encoding="utf-8"))["cases"]

# to_dict() spells fields as Python does; the fixture as the Node package's PortalResult does.
CAMEL = {"connection_id": "connectionId", "user_id": "userId", "status_code": "statusCode"}


def outcome(text: str) -> dict[str, Any]:
    try:
        result = brokerlink.parse_portal_result(text)
    except brokerlink.BrokerlinkError as error:
        return {"error": error.kind}
    return {CAMEL.get(key, key): value for key, value in result.to_dict().items()}


def test_the_fixture_has_every_kind_of_input() -> None:
    kinds = {case["kind"] for case in CASES}
    assert kinds == {
        "redirect",
        "query",
        "snaptrade-object",
        "plain",
        "legacy",
        "finatic-flat",
        "finatic-data",
        "invalid",
    }


@pytest.mark.parametrize("case", CASES, ids=[f"{c['kind']}: {c['name']}" for c in CASES])
def test_parse_portal_result_matches_the_fixture(case: dict[str, Any]) -> None:
    assert outcome(case["input"]) == case["expect"]


def test_result_attributes_agree_with_to_dict() -> None:
    result = brokerlink.parse_portal_result('{"type":"portal-success","data":{"userId":"u2"}}')
    assert (result.type, result.user_id, result.connection_id) == ("success", "u2", None)
    error = brokerlink.parse_portal_result("status=ERROR&status_code=410&error_code=1006")
    assert (error.type, error.code, error.status_code, error.message) == ("error", "1006", 410, None)
