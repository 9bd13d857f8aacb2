"""PortalResult is one class per variant, usable with `match` (Python 3.10+)."""

from __future__ import annotations

import sys

import pytest

import brokerlink

pytestmark = pytest.mark.skipif(sys.version_info < (3, 10), reason="match needs Python 3.10")


def describe(result: brokerlink.PortalResult) -> str:
    match result:
        case brokerlink.PortalResult.Success(connection_id=connection_id, user_id=user_id):
            return f"success {connection_id} {user_id}"
        case brokerlink.PortalResult.Error(code, message, status_code):
            return f"error {code} {message} {status_code}"
        case brokerlink.PortalResult.Resize(height):
            return f"resize {height}"
        case brokerlink.PortalResult.Closed():
            return "closed"
        case brokerlink.PortalResult.Abandoned():
            return "abandoned"
    return "unmatched"


def test_every_variant_matches_its_class() -> None:
    cases = {
        "https://app.example/done?status=SUCCESS&connection_id=c1": "success c1 None",
        "https://app.example/done?status=ERROR&error_code=1006&status_code=410": "error 1006 None 410",
        '{"type":"portal-resize","height":480}': "resize 480",
        "CLOSED": "closed",
        "https://app.example/done?status=ABANDONED": "abandoned",
    }
    for given, expected in cases.items():
        result = brokerlink.parse_portal_result(given)
        assert describe(result) == expected, given
        assert isinstance(result, brokerlink.PortalResult)
        assert result.to_dict()["type"] == expected.split()[0]
    success = brokerlink.parse_portal_result("https://app.example/done?status=SUCCESS&connection_id=c1")
    assert success == brokerlink.PortalResult.Success(connection_id="c1", user_id=None)
    assert not hasattr(success, "code"), "a variant has its own fields only"
