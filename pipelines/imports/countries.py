"""Country names and codes as phone regions: libphonenumber's own country names (English and
some 40 other languages) and region codes, plus the common spellings it does not list.

The names ship as `country_names.json`, built from libphonenumber's geocoding locale data by
`python -m pipelines.imports.countries` (a unit test checks it against the pinned version):
importing that data costs ~100 MB and 0.4 s, which every import paid, in every process, when
it was read at import time; the table is 0.2 MB."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pandas as pd

NAMES_FILE = Path(__file__).with_name("country_names.json")

# Names people write that are not a country's name in any language libphonenumber knows.
ALIASES: dict[str, str] = {
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "united kingdom of great britain and northern ireland": "GB",
    "usa": "US",
    "u s a": "US",
    "u s": "US",
    "america": "US",
    "united states of america": "US",
    "holland": "NL",
    "the netherlands": "NL",
    "czech republic": "CZ",
    "south korea": "KR",
    "korea": "KR",
    "russia": "RU",
    "deu": "DE",
    "gbr": "GB",
    "fra": "FR",
    "esp": "ES",
    "ita": "IT",
    "nld": "NL",
    "aut": "AT",
    "che": "CH",
    "can": "CA",
    "aus": "AU",
    "irl": "IE",
}

_PUNCTUATION = re.compile(r"[.\s_-]+")


def _key(name: str) -> str:
    """How names are compared: case-folded, dots, dashes and runs of spaces as one space."""
    return _PUNCTUATION.sub(" ", name.casefold()).strip()


@functools.cache
def country_regions() -> dict[str, str]:
    """Every known spelling (as `_key`) -> its two-letter phone region."""
    found: dict[str, str] = json.loads(NAMES_FILE.read_text(encoding="utf-8"))
    found.update(ALIASES)
    return found


def build_country_names() -> dict[str, str]:
    """libphonenumber's country names and region codes (as `_key`) -> region, as shipped in
    NAMES_FILE (without ALIASES)."""
    import phonenumbers
    from phonenumbers.geodata.locale import LOCALE_DATA

    found: dict[str, str] = {}
    for region, names in LOCALE_DATA.items():
        if region not in phonenumbers.SUPPORTED_REGIONS:
            continue
        for name in names.values():
            resolved = names[name[1:]] if name.startswith("*") else name
            found.setdefault(_key(resolved), region)
    for region in phonenumbers.SUPPORTED_REGIONS:
        found.setdefault(_key(region), region)
    return dict(sorted(found.items()))


def region_of(name: str) -> str | None:
    """The phone region a country cell names, or None."""
    return country_regions().get(_key(name))


def regions(countries: pd.Series) -> pd.Series:
    """Each cell's phone region (None where it names no country), once per distinct value."""
    lookup = {value: region_of(str(value)) for value in countries.dropna().unique()}
    out = countries.map(lookup).astype(object)
    return out.where(out.notna(), None)


if __name__ == "__main__":
    NAMES_FILE.write_text(
        json.dumps(build_country_names(), ensure_ascii=False, indent=0) + "\n", encoding="utf-8"
    )
