"""The demo world ``make run`` starts with: GSTINs across several states (valid check
characters), some holding several B2B IDs, some private, one without GSTN API access."""

from __future__ import annotations

from contract.identifiers import gstin_check_character
from simulator.financing_world import Financier
from simulator.world import DirectoryEntry, Participant, TaxpayerRecord, World


def gstin(body14: str) -> str:
    """A GSTIN with its check character."""
    return body14 + gstin_check_character(body14)


# The demo organisations' own GSTINs (registered on the portal, not yet on the network).
SHARMA_MH = gstin("27AAPFS1234K1Z")
SHARMA_KA = gstin("29AAPFS1234K1Z")
KAVERI_KA = gstin("29AAHCK5678M1Z")
# External businesses already on the network.
GANGA_UP = gstin("09AAECG2468P1Z")
NARMADA_GJ = gstin("24AABCN1357Q1Z")
TAPTI_DL = gstin("07AAFFT9753R1Z")
NO_API_ACCESS_WB = gstin("19AAGCH8642S1Z")


def demo_world() -> World:
    """A fresh demo world."""
    world = World()
    for record in (
        TaxpayerRecord(
            SHARMA_MH,
            "Sharma Traders",
            "Sharma Traders",
            "sharmatraders.mh",
            "9876543210",
            "accounts@sharma-traders.example",
        ),
        TaxpayerRecord(
            SHARMA_KA,
            "Sharma Traders",
            "Sharma Traders Bengaluru",
            "sharmatraders.ka",
            "9876543211",
            "blr@sharma-traders.example",
        ),
        TaxpayerRecord(
            KAVERI_KA,
            "Kaveri Components Private Limited",
            "Kaveri Components",
            "kaveri.components",
            "9845012345",
            "finance@kaveri-components.example",
        ),
        TaxpayerRecord(
            GANGA_UP,
            "Ganga Steel Limited",
            "Ganga Steel",
            "gangasteel",
            "9415012345",
            "ar@ganga-steel.example",
        ),
        TaxpayerRecord(
            NARMADA_GJ,
            "Narmada Chemicals Private Limited",
            "Narmada Chemicals",
            "narmadachem",
            "9825012345",
            "ap@narmada-chem.example",
        ),
        TaxpayerRecord(
            TAPTI_DL,
            "Tapti Foods",
            "Tapti Foods",
            "taptifoods",
            "9810012345",
            "books@tapti-foods.example",
        ),
        TaxpayerRecord(
            NO_API_ACCESS_WB,
            "Hooghly Jute Mills Limited",
            "Hooghly Jute",
            "hooghlyjute",
            "9830012345",
            "it@hooghly-jute.example",
            api_access=False,
        ),
    ):
        world.add_taxpayer(record)
    for entry in (
        DirectoryEntry("ganga-steel", GANGA_UP, "Ganga Steel Limited"),
        DirectoryEntry("ganga-steel-kanpur", GANGA_UP, "Ganga Steel Limited"),
        DirectoryEntry("gsl.payables", GANGA_UP, "Ganga Steel Limited", private=True),
        DirectoryEntry("narmada-chemicals", NARMADA_GJ, "Narmada Chemicals Private Limited"),
        DirectoryEntry("tapti-foods", TAPTI_DL, "Tapti Foods"),
        DirectoryEntry("tapti.internal", TAPTI_DL, "Tapti Foods", private=True),
    ):
        world.add_directory_entry(entry)
    # The external businesses call the network themselves too (sandbox keys, public).
    for name, gstin_of in (
        ("ganga-steel", GANGA_UP), ("narmada-chemicals", NARMADA_GJ), ("tapti-foods", TAPTI_DL),
    ):  # fmt: skip
        key = f"sandbox-{name}-key"
        world.participants[key] = Participant(name, key, gstin_of)
    # Financiers with their own appetite (one never answers).
    for financier in (
        Financier("deccan-capital", "Deccan Capital", min_rate_bp=1100, max_rate_bp=1400,
                  fee_paise=50_000, answer_seconds=20),
        Financier("ganga-factors", "Ganga Factors", max_paise=500_000_000, min_rate_bp=1300,
                  max_rate_bp=1600, fee_paise=25_000, answer_seconds=40, share=0.9),
        Financier("silent-finance", "Silent Finance", never_answers=True),
    ):  # fmt: skip
        world.financiers[financier.financier_id] = financier
    return world
