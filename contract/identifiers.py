"""Indian business identifiers and their checks (DOMAIN.md sections 2, 3), B2B ID rules.

Pure functions: no I/O. Each ``check_*`` returns the normalised value or raises ``ValueError``
with a message for people.
"""

from __future__ import annotations

import enum
import re
import unicodedata

from contract import states

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

STATE_CODES: dict[str, str] = states.NAMES  # every code valid in a GSTIN

PAN_HOLDER_TYPES = {
    "A": "Association of persons", "B": "Body of individuals", "C": "Company",
    "F": "Firm or LLP", "G": "Government", "H": "Hindu undivided family",
    "L": "Local authority", "J": "Artificial juridical person", "P": "Individual", "T": "Trust",
}  # fmt: skip

_GSTIN = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")
_PAN = re.compile(r"^[A-Z]{5}[0-9]{4}[A-Z]$")
_IFSC = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}$")
_MOBILE = re.compile(r"^[6-9][0-9]{9}$")
_PIN = re.compile(r"^[1-9][0-9]{5}$")


class BusinessType(enum.StrEnum):
    """Kinds of business, and the PAN holder types that fit each."""

    PROPRIETORSHIP = "PROPRIETORSHIP"
    PARTNERSHIP = "PARTNERSHIP"
    LLP = "LLP"
    PRIVATE_LIMITED = "PRIVATE_LIMITED"
    PUBLIC_LIMITED = "PUBLIC_LIMITED"
    HUF = "HUF"
    TRUST = "TRUST"
    SOCIETY = "SOCIETY"
    GOVERNMENT = "GOVERNMENT"


HOLDER_TYPES_FOR: dict[BusinessType, frozenset[str]] = {
    BusinessType.PROPRIETORSHIP: frozenset("P"),
    BusinessType.PARTNERSHIP: frozenset("F"),
    BusinessType.LLP: frozenset("F"),
    BusinessType.PRIVATE_LIMITED: frozenset("C"),
    BusinessType.PUBLIC_LIMITED: frozenset("C"),
    BusinessType.HUF: frozenset("H"),
    BusinessType.TRUST: frozenset("T"),
    BusinessType.SOCIETY: frozenset("ABJ"),
    BusinessType.GOVERNMENT: frozenset("GL"),
}


def gstin_check_character(first14: str) -> str:
    """The 15th character of a GSTIN ("Luhn mod 36" over the first 14)."""
    total = 0
    for index, char in enumerate(first14):
        product = (1 if index % 2 == 0 else 2) * ALPHABET.index(char)
        total += product // 36 + product % 36
    return ALPHABET[(36 - total % 36) % 36]


def check_pan(raw: str) -> str:
    """A PAN, upper-cased; refuses a bad shape, holder type or a 0000 serial."""
    pan = raw.strip().upper()
    if not _PAN.match(pan):
        msg = "A PAN has 10 characters: 5 letters, 4 digits, 1 letter (like AAPFU0939F)."
        raise ValueError(msg)
    if pan[3] not in PAN_HOLDER_TYPES:
        msg = f"The 4th character of a PAN is the holder type; {pan[3]!r} is not one."
        raise ValueError(msg)
    if pan[5:9] == "0000":
        msg = "A PAN's serial number cannot be 0000."
        raise ValueError(msg)
    return pan


def check_gstin(raw: str) -> str:
    """A GSTIN, upper-cased: shape, state code, PAN and check character."""
    gstin = re.sub(r"\s+", "", raw).upper()
    if len(gstin) != 15:
        msg = "A GSTIN has exactly 15 characters."
        raise ValueError(msg)
    if not _GSTIN.match(gstin):
        msg = "A GSTIN is a 2-digit state code, a PAN, an entity number, 'Z' and a check character."
        raise ValueError(msg)
    if gstin[:2] not in STATE_CODES:
        msg = f"{gstin[:2]} is not a GST state code."
        raise ValueError(msg)
    check_pan(gstin[2:12])
    if gstin_check_character(gstin[:14]) != gstin[14]:
        msg = "The GSTIN's check character does not match: check for a typing mistake."
        raise ValueError(msg)
    return gstin


def pan_fits_business_type(pan: str, business_type: BusinessType) -> bool:
    """Whether the PAN's holder type fits the declared business type."""
    return pan[3] in HOLDER_TYPES_FOR[business_type]


def mask_pan(pan: str) -> str:
    """``AAPPXXXX9K`` style: the holder type stays readable, the serial is hidden."""
    return pan[:4] + "XXXX" + pan[8:]


def check_mobile(raw: str) -> str:
    """A 10-digit Indian mobile number, without +91, 0, spaces or dashes."""
    digits = re.sub(r"[\s\-()]", "", raw)
    if digits.startswith("+91"):
        digits = digits[3:]
    elif len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    if not _MOBILE.match(digits):
        msg = "Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9."
        raise ValueError(msg)
    return digits


def mask_mobile(mobile: str) -> str:
    """``******3210``."""
    return "*" * (len(mobile) - 4) + mobile[-4:]


def mask_email(email: str) -> str:
    """``a****@example.com``."""
    local, _, domain = email.partition("@")
    return local[:1] + "****@" + domain


def check_ifsc(raw: str) -> str:
    """An IFSC: 4 letters, 0, then 6 letters or digits."""
    ifsc = raw.strip().upper()
    if not _IFSC.match(ifsc):
        msg = "An IFSC has 11 characters: 4 letters, a zero, then 6 letters or digits."
        raise ValueError(msg)
    return ifsc


def check_pin(raw: str) -> str:
    """A 6-digit PIN code not starting with 0."""
    pin = raw.strip()
    if not _PIN.match(pin):
        msg = "A PIN code has 6 digits and does not start with 0."
        raise ValueError(msg)
    return pin


def check_bank_account(raw: str) -> str:
    """A bank account number: 9 to 18 digits."""
    number = re.sub(r"\s", "", raw)
    if not re.fullmatch(r"[0-9]{9,18}", number):
        msg = "A bank account number has 9 to 18 digits."
        raise ValueError(msg)
    return number


def mask_account(number: str) -> str:
    """``XXXXXX1234``."""
    return "X" * (len(number) - 4) + number[-4:]


_VPA = re.compile(r"^[a-z0-9][a-z0-9._-]{1,254}@[a-z][a-z0-9]{1,63}$")
VPA_MAX = 50


def check_vpa(raw: str) -> str:
    """A UPI address ``name@handle`` (at most 50 characters), lower-cased."""
    vpa = raw.strip().lower()
    if len(vpa) > VPA_MAX or not _VPA.match(vpa):
        msg = "A UPI address is name@handle (letters, digits, . _ -), at most 50 characters."
        raise ValueError(msg)
    return vpa


def mask_vpa(vpa: str) -> str:
    """``ra****@okaxis``: the first two characters and the handle."""
    name, _, handle = vpa.partition("@")
    return f"{name[:2]}{'*' * max(len(name) - 2, 2)}@{handle}"


# --- B2B IDs (our rule, DOMAIN.md §2) -------------------------------------------------------

B2B_ID_MIN, B2B_ID_MAX = 4, 50
_B2B_ID = re.compile(r"^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$")
RESERVED_WORDS = frozenset(
    {
        "admin", "administrator", "npci", "nbbl", "bbps", "bharatconnect", "bharat-connect",
        "support", "test", "testing", "root", "system", "official", "helpdesk", "gst", "gstn",
        "rbi", "sebi", "government", "govt", "bank", "null", "undefined", "api",
    }
)  # fmt: skip
ABUSIVE_WORDS = frozenset(
    {
        "fuck", "shit", "bitch", "bastard", "asshole", "dick", "cunt", "slut", "whore",
        "chutiya", "bhenchod", "madarchod", "harami", "kamina", "gandu", "randi", "nigger",
        "chamar", "bhangi", "nazi", "terror", "scam", "fraud", "stupid", "idiot", "moron",
        "dumb", "loser", "crap", "bullshit", "jerk", "retard", "pervert", "kutta", "kutti",
        "kamine", "saala", "saali", "ullu", "bewakoof", "bewkoof", "gadha", "chor", "thief",
        "cheat", "cheater", "crook", "fake", "ponzi", "porn", "sex", "xxx", "hitler", "isis",
    }
)  # fmt: skip
# Endings an insult takes (idiots, cheating, scammer): the stem is checked too.
_ABUSIVE_ENDINGS = ("s", "es", "er", "ers", "ing", "y")
CITY_AND_STATE_WORDS = frozenset(
    w.lower().replace(" ", "") for w in STATE_CODES.values()
) | frozenset(
    {
        "mumbai", "pune", "delhi", "newdelhi", "bengaluru", "bangalore", "chennai", "kolkata",
        "hyderabad", "ahmedabad", "surat", "jaipur", "lucknow", "kanpur", "nagpur", "indore",
        "bhopal", "patna", "vadodara", "ludhiana", "agra", "nashik", "coimbatore", "kochi",
        "mysuru", "noida", "gurugram", "thane", "visakhapatnam", "chandigarh", "india",
    }
)  # fmt: skip
_STOP_WORDS = frozenset(
    {"and", "of", "the", "pvt", "private", "ltd", "limited", "llp", "co", "company", "m/s", "ms"}
)


def _words(name: str) -> list[str]:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return [w for w in re.findall(r"[a-z0-9]+", ascii_name.lower()) if w]


def name_tokens(legal_name: str) -> tuple[list[str], str]:
    """Significant words of a business name, and its initials."""
    words = [w for w in _words(legal_name) if w not in _STOP_WORDS] or _words(legal_name)
    initials = "".join(w[0] for w in words if w[0].isalpha())
    return words, initials


GENERIC_WORDS = frozenset(
    {
        "traders", "trader", "trading", "enterprises", "enterprise", "components", "component",
        "industries", "industry", "exports", "export", "imports", "import", "exim", "solutions",
        "services", "service", "suppliers", "supplier", "supply", "distributors", "distributor",
        "agency", "agencies", "corporation", "corp", "international", "global", "group",
        "india", "indian", "bharat", "hindustan", "national", "products", "manufacturing",
        "manufacturers", "works", "mills", "textiles", "foods", "steel", "chemicals", "stores",
        "store", "mart", "marketing", "sales", "business", "businesses", "associates",
        "partners", "holdings", "ventures", "overseas", "impex", "infra", "tech", "technologies",
        "systems", "logistics", "retail", "wholesale", "commercial", "brothers", "bros", "sons",
    }
)  # fmt: skip


def _strip_place(part: str) -> str:
    """A part without digits and without a well-known city or state name glued to either end."""
    core = re.sub(r"[0-9]", "", part)
    for place in sorted(CITY_AND_STATE_WORDS, key=len, reverse=True):
        if core == place:
            return ""
        if core.endswith(place) and len(core) > len(place):
            core = core[: -len(place)]
        elif core.startswith(place) and len(core) > len(place):
            core = core[len(place) :]
    return core


def _derived(core: str, words: list[str], initials: str) -> bool:
    """Whether ``core`` comes from the name: its initials, a prefix of the name run together,
    or the start of one of its words."""
    slug = "".join(words)
    return (
        core == initials
        or (len(core) >= 3 and slug.startswith(core))
        or (len(core) >= 2 and any(w.startswith(core) for w in words))
    )


def _distinctive(core: str, words: list[str], initials: str) -> bool:
    """Whether ``core`` carries the name's own words (or its initials), not only generic trade
    words like "traders" or "components"."""
    if core == initials and len(core) >= 2:
        return True
    own = [w for w in words if w not in GENERIC_WORDS and w not in CITY_AND_STATE_WORDS]
    return any(core.startswith(w) or (len(core) >= 2 and w.startswith(core)) for w in own)


def _brand_problem(parts: list[str], legal_name: str, gstin: str) -> str | None:
    """Why the parts are not a brand from the name followed by optional extras, or ``None``.

    The leading parts (the brand) must come from the registered name and carry its own words
    or initials; after them may come digits, the GSTIN's last four characters, and any word
    (a place: no list of India's areas can be complete)."""
    words, initials = name_tokens(legal_name)
    if not words:
        return "Base the B2B ID on your registered business name."
    tail = gstin.lower()[-4:] if gstin else None
    brand: list[str] = []
    for part in parts:
        core = _strip_place(part)
        if core and _derived(core, words, initials):
            brand.append(core)
            continue
        break
    if not brand:
        return (
            "Begin the B2B ID with your registered business name or its initials; digits and "
            "place names may follow."
        )
    if not any(_distinctive(core, words, initials) for core in brand):
        return "Too generic: use your business's own name, not only trade words."
    for part in parts[len(brand) :]:
        if part == tail or part.isdigit() or part.isalpha():
            continue
        return (
            f"{part!r} is neither from your business name, nor digits, nor a place name, nor "
            "your GSTIN's last four characters."
        )
    return None


def _abusive(candidate: str) -> bool:
    """Whether any word of the ID (split at separators and digits; the brand's and every
    other), or a word less a common ending, or the whole ID run together, is on the list."""
    words = [w for w in re.split(r"[._0-9-]+", candidate) if w]
    stems = {w[: -len(ending)] for w in words for ending in _ABUSIVE_ENDINGS if w.endswith(ending)}
    stems |= {s[:-1] for s in stems if len(s) > 2 and s[-1] == s[-2]}  # scammer -> scam
    return (
        any(w in ABUSIVE_WORDS for w in (*words, *stems))
        or re.sub(r"[._-]", "", candidate) in ABUSIVE_WORDS
    )


def _acronym(candidate: str, legal_name: str) -> bool:
    """A three-letter ID that is the initials of the legal name."""
    _, initials = name_tokens(legal_name)
    every = "".join(w[0] for w in _words(legal_name) if w not in {"and", "of", "the"})
    return len(candidate) == 3 and candidate.isalpha() and candidate in {initials, every}


def check_b2b_id(raw: str, legal_name: str, gstin: str = "") -> str:
    """A B2B ID under our naming rule, or ``ValueError`` saying which rule it breaks.

    ``gstin``: the GSTIN the ID is for; its last four characters may be added as a part.
    """
    candidate = raw.strip().lower()
    if not (B2B_ID_MIN <= len(candidate) <= B2B_ID_MAX or _acronym(candidate, legal_name)):
        msg = (
            f"A B2B ID has {B2B_ID_MIN} to {B2B_ID_MAX} characters (3 when it is the initials "
            "of your legal name)."
        )
        raise ValueError(msg)
    if not _B2B_ID.match(candidate):
        msg = (
            "Use lower-case letters and digits, starting with a letter, with single '.', '_' or "
            "'-' between parts (none at the start or end)."
        )
        raise ValueError(msg)
    flat = re.sub(r"[._-]", "", candidate)
    if re.fullmatch(r"[0-9]{2}[a-z]{5}[0-9]{4}[a-z][0-9a-z]z[0-9a-z]", flat) or re.fullmatch(
        r"[a-z]{5}[0-9]{4}[a-z]", flat
    ):
        msg = "A B2B ID must not look like a GSTIN or PAN."
        raise ValueError(msg)
    if re.search(r"[0-9]{10}", flat) or "@" in raw:
        msg = "A B2B ID must not contain a phone number or e-mail address."
        raise ValueError(msg)
    parts = re.split(r"[._-]", candidate)
    if any(p in RESERVED_WORDS for p in parts) or flat in RESERVED_WORDS:
        msg = "This B2B ID uses a reserved word."
        raise ValueError(msg)
    if _abusive(candidate):
        msg = "This B2B ID contains a word that is not allowed."
        raise ValueError(msg)
    problem = None if _acronym(candidate, legal_name) else _brand_problem(parts, legal_name, gstin)
    if problem is not None:
        raise ValueError(problem)
    return candidate


def suggest_b2b_ids(legal_name: str, gstin: str) -> list[str]:
    """Candidates that pass :func:`check_b2b_id`: slug, initials + state, slug + GSTIN tail."""
    words, initials = name_tokens(legal_name)
    state = STATE_CODES.get(gstin[:2], "").lower().split(" (")[0].replace(" ", "")
    slug = "-".join(words)[:40].strip("-")
    raw = [
        slug,
        f"{initials}.{state}" if initials and state else "",
        f"{slug}-{gstin[-4:].lower()}" if slug else "",
        f"{initials}-{gstin[-4:].lower()}" if initials else "",
        "".join(words)[:40],
    ]
    seen: list[str] = []
    for candidate in raw:
        if not candidate or candidate in seen:
            continue
        try:
            seen.append(check_b2b_id(candidate, legal_name, gstin))
        except ValueError:
            continue
    return seen
