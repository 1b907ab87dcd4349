"""Coupon code shapes (libs/contracts/coupon_codes.py): what a brand may assign, the one
case-insensitive form codes are compared in, and the body's 400 naming ``code``."""

from __future__ import annotations

import pytest

from libs.contracts.coupon_codes import (
    CODE_PATTERN,
    CouponCodeBody,
    code_key,
    code_problem,
)
from libs.shared.errors import ValidationFailed


@pytest.mark.parametrize("code", ["A", "SARAH20", "sarah_20", "summer-sale", "0" * 64,
                                  "Mixed_Case-09"])
def test_codes_of_letters_digits_underscore_and_hyphen_are_accepted(code: str) -> None:
    assert code_problem(code) is None
    assert CouponCodeBody.model_validate({"code": code}).code == code  # case kept


@pytest.mark.parametrize(("code", "why"), [
    ("", "empty"), ("A" * 65, "at most 64"), ("SARAH 20", "only"), (" SARAH20", "only"),
    ("SARAH20\n", "only"), ("sarah.20", "only"), ("sarah/20", "only"), ("café", "only"),
    ("50%OFF", "only")])
def test_other_codes_are_refused_naming_the_field(code: str, why: str) -> None:
    problem = code_problem(code)
    assert problem is not None and why in problem
    with pytest.raises(ValidationFailed) as refused:
        CouponCodeBody.model_validate({"code": code})
    assert (refused.value.field, refused.value.message) == ("code", problem)


@pytest.mark.parametrize("body", [{}, {"code": None}, {"code": 20}, {"code": ["A"]},
                                  {"code": "A", "affiliateId": "x"}])
def test_bodies_without_one_text_code_are_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # pydantic's ValidationError is a ValueError
        CouponCodeBody.model_validate(body)


def test_case_does_not_make_another_code() -> None:
    assert code_key("SARAH20") == code_key("sarah20") == code_key("Sarah20") == "sarah20"
    assert code_key("SARAH-20") != code_key("SARAH_20")


def test_the_documented_pattern_is_the_rule() -> None:
    schema = CouponCodeBody.model_json_schema()["properties"]["code"]
    assert (schema["pattern"], schema["minLength"], schema["maxLength"]) == (CODE_PATTERN, 1, 64)
