"""GST state codes as data, in one place: names, which are union territories without a
legislature (UTGST instead of SGST), and which may be a place of supply on a new document.

- 25 (Daman and Diu) merged into 26 in January 2020: GSTINs issued before keep the code, but no
  new document names it; a legacy 25 counts as 26 (:func:`current`).
- 99 (Centre Jurisdiction) appears in GSTINs of the Centre's own registrations; it is no
  place of supply.
- 96 is the place of supply of an export (outside India); 97 is "Other Territory" (offshore
  areas), a union territory without a legislature.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class State:
    """One GST state code."""

    code: str
    name: str
    # A union territory without a legislature: UTGST instead of SGST.
    utgst: bool = False
    place_of_supply: bool = True


STATES: dict[str, State] = {
    s.code: s
    for s in (
        State("01", "Jammu and Kashmir"),
        State("02", "Himachal Pradesh"),
        State("03", "Punjab"),
        State("04", "Chandigarh", utgst=True),
        State("05", "Uttarakhand"),
        State("06", "Haryana"),
        State("07", "Delhi"),
        State("08", "Rajasthan"),
        State("09", "Uttar Pradesh"),
        State("10", "Bihar"),
        State("11", "Sikkim"),
        State("12", "Arunachal Pradesh"),
        State("13", "Nagaland"),
        State("14", "Manipur"),
        State("15", "Mizoram"),
        State("16", "Tripura"),
        State("17", "Meghalaya"),
        State("18", "Assam"),
        State("19", "West Bengal"),
        State("20", "Jharkhand"),
        State("21", "Odisha"),
        State("22", "Chhattisgarh"),
        State("23", "Madhya Pradesh"),
        State("24", "Gujarat"),
        State("25", "Daman and Diu", utgst=True, place_of_supply=False),
        State(
            "26",
            "Dadra and Nagar Haveli and Daman and Diu",
            utgst=True,
        ),
        State("27", "Maharashtra"),
        State("28", "Andhra Pradesh (old)", place_of_supply=False),
        State("29", "Karnataka"),
        State("30", "Goa"),
        State("31", "Lakshadweep", utgst=True),
        State("32", "Kerala"),
        State("33", "Tamil Nadu"),
        State("34", "Puducherry"),
        State("35", "Andaman and Nicobar Islands", utgst=True),
        State("36", "Telangana"),
        State("37", "Andhra Pradesh"),
        State("38", "Ladakh", utgst=True),
        State("97", "Other Territory", utgst=True),
        State("99", "Centre Jurisdiction", place_of_supply=False),
    )
}
OUTSIDE_INDIA = "96"
# Codes that merged into another: a legacy code counts as the one it became.
MERGED = {"25": "26", "28": "37"}
NAMES: dict[str, str] = {code: state.name for code, state in STATES.items()}
UT_WITHOUT_LEGISLATURE = frozenset(code for code, state in STATES.items() if state.utgst)
PLACES_OF_SUPPLY = frozenset(code for code, s in STATES.items() if s.place_of_supply) | {
    OUTSIDE_INDIA
}


def current(code: str) -> str:
    """The code as it stands today (a merged code becomes the one it merged into)."""
    return MERGED.get(code, code)


def place_of_supply_problem(code: str) -> str | None:
    """Why ``code`` cannot be a new document's place of supply, or ``None``."""
    if code in PLACES_OF_SUPPLY:
        return None
    if code in MERGED:
        return f"State code {code} ({NAMES[code]}) is no longer used: use {MERGED[code]}."
    if code == "99":
        return "99 (Centre Jurisdiction) is not a place of supply."
    return "Not a GST state code (96 for outside India)."
