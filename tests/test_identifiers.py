"""Identifier checks (DOMAIN.md §3) and the B2B ID naming rule (§2)."""

from __future__ import annotations

import pytest

from contract import identifiers as ids


@pytest.mark.parametrize(
    "gstin",
    ["27AAPFU0939F1ZV", "24AAQCA8719H1ZC", "29AABCR1718E1ZL", "04AABFN9870CMZT", "22AAAAA0001A3Z9"],
)
def test_valid_gstins(gstin: str) -> None:
    assert ids.check_gstin(gstin.lower()) == gstin
    assert ids.check_gstin(f" {gstin[:7]} {gstin[7:]} ") == gstin


@pytest.mark.parametrize(
    ("gstin", "message"),
    [
        ("27AAPFU0939F1ZO", "check character"),
        ("24AANFA2641L1ZK", "check character"),
        ("22AAAAA0000A1Z5", "serial number cannot be 0000"),
        ("27AAPFU0939F1Z", "exactly 15"),
        ("27AAPFU0939F1XV", "state code, a PAN"),
        ("40AAPFU0939F1ZV", "not a GST state code"),
        ("27AAPXU0939F1ZV", "holder type"),
    ],
)
def test_invalid_gstins(gstin: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ids.check_gstin(gstin)


@pytest.mark.parametrize("code", ["10", "20", "38", "97"])
def test_state_codes_others_refuse_are_accepted(code: str) -> None:
    body = f"{code}AAPFU0939F1Z"
    assert ids.check_gstin(
        body + ids.gstin_check_character(body)
    ) == body + ids.gstin_check_character(body)


def test_pan_and_business_type() -> None:
    assert ids.check_pan("aapfu0939f") == "AAPFU0939F"
    assert ids.pan_fits_business_type("AAPFU0939F", ids.BusinessType.PARTNERSHIP)
    assert not ids.pan_fits_business_type("AAPFU0939F", ids.BusinessType.PRIVATE_LIMITED)
    assert ids.mask_pan("AAPPX1234K") == "AAPPXXXX4K"


def test_other_formats() -> None:
    assert ids.check_mobile("+91 98765-43210") == "9876543210"
    assert ids.check_mobile("09876543210") == "9876543210"
    assert ids.check_mobile("919876543210") == "9876543210"
    for bad in ("5876543210", "98765", "98765432101"):
        with pytest.raises(ValueError, match="10-digit"):
            ids.check_mobile(bad)
    assert ids.check_ifsc("hdfc0001234") == "HDFC0001234"
    with pytest.raises(ValueError, match="IFSC"):
        ids.check_ifsc("HDFC1001234")
    assert ids.check_pin("411001") == "411001"
    with pytest.raises(ValueError, match="PIN"):
        ids.check_pin("011001")
    assert ids.mask_mobile("9876543210") == "******3210"
    assert ids.mask_account("123456789012") == "XXXXXXXX9012"


NAME = "Sharma Traders Private Limited"


@pytest.mark.parametrize(
    "candidate",
    [
        "sharma-traders",
        "sharmatraders",
        "st.maharashtra",
        "sharma.traders.pune",
        "st-0939",
        "sharma_traders2026",
        "sharma",
        "st",
    ],
)
def test_b2b_ids_derived_from_the_name(candidate: str) -> None:
    if len(candidate) < 4:
        with pytest.raises(ValueError, match="4 to 50"):
            ids.check_b2b_id(candidate, NAME)
        return
    assert ids.check_b2b_id(candidate.upper(), NAME) == candidate


@pytest.mark.parametrize(
    ("candidate", "message"),
    [
        ("acme-widgets", "registered business name"),
        ("pune", "registered business name"),
        ("sharma--traders", "single"),
        ("-sharma", "single"),
        ("sharma.", "single"),
        ("1sharma", "starting with a letter"),
        ("sharma traders", "single"),
        ("sharma-support", "reserved"),
        ("admin", "reserved"),
        ("sharma-scam", "not allowed"),
        ("aapfu0939f", "GSTIN or PAN"),
        ("27aapfu0939f1zv", "starting with a letter"),
        ("sharma9876543210", "phone number"),
        ("s" * 51, "4 to 50"),
        ('sharma"traders', "single"),
    ],
)
def test_b2b_ids_refused(candidate: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ids.check_b2b_id(candidate, NAME)


def test_suggestions_pass_the_rule() -> None:
    suggestions = ids.suggest_b2b_ids(NAME, "27AAPFU0939F1ZV")
    assert suggestions == [
        "sharma-traders",
        "st.maharashtra",
        "sharma-traders-f1zv",
        "st-f1zv",
        "sharmatraders",
    ]
    for suggestion in suggestions:
        assert ids.check_b2b_id(suggestion, NAME, "27AAPFU0939F1ZV") == suggestion
    with pytest.raises(ValueError, match="GSTIN's last four characters"):
        ids.check_b2b_id("sharma-traders-f1zv", NAME, "29AABCR1718E1ZL")


@pytest.mark.parametrize(
    ("candidate", "name"),
    [
        # Words, not substrings: ordinary names that contain a listed string pass.
        ("shital-enterprises", "Shital Enterprises"),
        ("brandix-apparel", "Brandix Apparel Private Limited"),
        ("chamarajanagar-silks", "Chamarajanagar Silks"),
        ("prashit-textiles", "Prashit Textiles"),
        ("scampi-exports", "Scampi Exports LLP"),
        ("dickens-books", "Dickens Books"),
        # Any place word after the brand part, listed city or not.
        ("sharma-traders-andheri", NAME),
        ("sharma.rajkot", NAME),
        ("kaveri-madurai", "Kaveri Components Private Limited"),
        ("sharma-traders-andheri-2", NAME),
        # Three letters: the legal name's initials.
        ("hmt", "Hindustan Machine Tools Limited"),
        ("hml", "Hooghly Mills Limited"),
    ],
)
def test_b2b_ids_that_fit_real_names(candidate: str, name: str) -> None:
    assert ids.check_b2b_id(candidate, name) == candidate


@pytest.mark.parametrize(
    ("candidate", "name", "message"),
    [
        ("traders", NAME, "Too generic"),
        ("traders-india", NAME, "Too generic"),
        ("components", "Kaveri Components Private Limited", "Too generic"),
        ("andheri-sharma", NAME, "Begin the B2B ID with your registered business name"),
        ("sharma-fuck", NAME, "not allowed"),
        ("sharma.scam", NAME, "not allowed"),
        ("sharma-stupid", NAME, "not allowed"),
        ("sharma-traders-idiots", NAME, "not allowed"),
        ("sharma-scammers", NAME, "not allowed"),
        ("sharma-traders-cheating-2", NAME, "not allowed"),
        ("abc", NAME, "3 when it is the initials"),
        ("stp", "Sharma Traders Limited", "3 when it is the initials"),
    ],
)
def test_b2b_ids_that_break_the_rule(candidate: str, name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ids.check_b2b_id(candidate, name)
