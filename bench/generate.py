# ruff: noqa: RUF001, RUF002
"""Generate a realistic, messy contacts CSV for the benchmarks.

    python -m bench.generate --rows N --out PATH [--seed S] [--match-from PATH]

Deterministic for a given (rows, seed, match-from file). Vectorised with numpy/pandas, written
with pandas `to_csv` (minimal quoting): a million rows take a few seconds.

What is in a file (fractions of all rows):
- names from a pool with accents and other non-ASCII letters (José, Zoë, Łukasz, Søren, Ørjan,
  François…), a few in upper case or with stray spaces;
- unique valid emails `first.last.<n>@domain` in mixed case, except for
- ~2% invalid emails (no `@`, two `@`, no domain, a comma in the domain): row errors;
- ~5% in-file duplicates: copies of an earlier row whose email differs only in case and
  surrounding spaces (skipped as `duplicate of row N`);
- phones in mixed formats: (415) 555-0123, 415.555.0123, +1 415 555 0123, 4155550123,
  +44 20 7946 0xxx, +49 30 …, +33 1 …; a second "Mobile Phone" column, often empty;
- company names from a pool, some with a comma ("Globex, Inc."), so the field is quoted;
- notes with commas, double quotes and embedded newlines (quoted fields spanning lines);
- ~10% empty cells in each optional column (more for Mobile Phone, Tags and Notes);
- a "Created" date, mostly ISO 8601, some `03/15/2023`, `2023-03-15T10:22:00Z` or
  `Mar 15, 2023`; every date is a valid calendar date.

With `--match-from PATH` (an earlier generated file), half of the rows are records of that file
(valid, first occurrence) with some fields changed (job title, city/country, mobile phone) and
the email sometimes in another case; the other half are new contacts whose emails do not occur
in that file. Importing the result with `--duplicates update` updates about half the rows.
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = [
    "First Name",
    "Last Name",
    "Email",
    "Phone",
    "Mobile Phone",
    "Company",
    "Job Title",
    "City",
    "Country",
    "Tags",
    "Notes",
    "Created",
]

FIRST_NAMES = [
    "José", "Zoë", "Łukasz", "Søren", "Ørjan", "François", "Chloé", "Renée", "Jürgen", "Björn",
    "Ágnes", "Núria", "Çağla", "Dvořák", "Małgorzata", "Þóra", "Siobhán", "Maëlle", "Anaïs",
    "Håkon", "Ésaïe", "Iñaki", "João", "Zoltán", "Mikuláš", "Ana", "Grace", "Ada", "Alan",
    "Mary", "James", "Linda", "Robert", "Patricia", "Michael", "Jennifer", "William", "Susan",
    "David", "Karen", "Wei", "Yuki", "Priya", "Mohammed", "Fatima", "Olga", "Ivan", "Sofia",
    "Lucas", "Emma", "Noah", "Olivia", "Liam", "Mia", "Mateo", "Lea", "Jan", "Eva", "Tomás",
    "Aoife", "Saoirse", "Dmitri", "Nikolaj", "Åsa", "Kübra", "Ines", "Paul", "Anne-Marie",
    "Jean-Luc", "Mary Ann",
]  # fmt: skip

LAST_NAMES = [
    "García", "Müller", "Nørgaard", "Łukaszewicz", "Øvrebø", "Lefèvre", "Dubois", "Schäfer",
    "Åström", "Kovačević", "Nowak", "Wiśniewski", "Gómez", "Peña", "Jónsdóttir", "O'Brien",
    "MacLeod", "Van der Berg", "de la Cruz", "Smith", "Johnson", "Williams", "Brown", "Jones",
    "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson",
    "Lee", "Chen", "Wang", "Kim", "Nguyen", "Patel", "Singh", "Kowalski", "Novák", "Horváth",
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Silva", "Santos", "Oliveira", "Pereira",
    "Fernández", "López", "Martínez", "Rodríguez", "Hernández", "Sánchez", "Pérez", "Ivanov",
    "Smirnova", "Yılmaz", "Öztürk", "Çelik", "Şahin", "Papadopoulos", "Hansen", "Johansen",
    "Lindqvist", "Virtanen", "Mäkinen", "Lovelace", "Hopper", "Turing",
]  # fmt: skip

DOMAINS = [
    "example.com", "example.org", "example.net", "mail.example.com", "example.co.uk",
    "example.de", "example.fr", "example.io", "acme.example", "globex.example",
    "initech.example", "nordlys.example.no", "post.example.se", "correo.example.es",
    "sub.example.com", "example.com.br", "example.pl", "example.it",
]  # fmt: skip

COMPANY_STEMS = [
    "Acme", "Globex", "Initech", "Umbrella", "Nordlys", "Bläckfisk", "Østerbro Design",
    "Café Lumière", "Société Générique", "Zürcher Präzision", "Kraków Software",
    "Łódź Logistics", "São Paulo Têxtil", "Málaga Solar", "Fjällräv Outdoor", "Hooli",
    "Vandelay Industries", "Wayne Enterprises", "Stark Industries", "Cyberdyne",
    "Tyrell", "Soylent", "Wonka", "Gringotts", "Aperture Science", "Black Mesa",
    "Oceanic", "Monarch", "Duff", "Pied Piper", "Dunder Mifflin", "Sterling Cooper",
    "Prestige Worldwide", "Bluth", "Los Pollos Hermanos", "Virtucon", "Massive Dynamic",
    "Rekall", "Weyland", "Buy n Large",
]  # fmt: skip

COMPANY_SUFFIXES = [
    "Inc.", ", Inc.", "GmbH", "AB", "AS", "S.A.", "Ltd", "LLC", "& Co.", "Group", "Labs",
    "SARL", "Sp. z o.o.", "",
]  # fmt: skip

JOB_TITLES = [
    "CEO", "CTO", "CFO", "Head of Sales", "Sales Manager", "Account Executive",
    "Software Engineer", "Senior Software Engineer", "Data Scientist", "Product Manager",
    "Marketing Director", "Office Manager", "Consultant", "Directeur Général",
    "Geschäftsführer", "Ingénieure", "VP, Engineering", "Founder & CEO", "Analyst",
    "Customer Success Manager", "Recruiter", "Designer", "Jefa de Proyecto", "Intern",
]  # fmt: skip

PLACES = [
    ("New York", "United States"), ("San Francisco", "United States"),
    ("Chicago", "United States"), ("Austin", "USA"), ("Boston", "US"),
    ("London", "United Kingdom"), ("Manchester", "UK"), ("Dublin", "Ireland"),
    ("Paris", "France"), ("Montréal", "Canada"), ("Toronto", "Canada"),
    ("Zürich", "Switzerland"), ("Genève", "Switzerland"), ("München", "Germany"),
    ("Düsseldorf", "Germany"), ("Berlin", "Deutschland"), ("Kraków", "Poland"),
    ("Łódź", "Poland"), ("Malmö", "Sweden"), ("Göteborg", "Sweden"), ("Tromsø", "Norway"),
    ("Århus", "Denmark"), ("København", "Denmark"), ("Reykjavík", "Iceland"),
    ("São Paulo", "Brazil"), ("Bogotá", "Colombia"), ("México", "Mexico"),
    ("Málaga", "Spain"), ("Córdoba", "Argentina"), ("İstanbul", "Türkiye"),
    ("Praha", "Czechia"), ("Wien", "Austria"),
]  # fmt: skip

TAGS = [
    "VIP", "Newsletter", "customer", "lead", "Customer;VIP", "partner, reseller",
    "event-2024;follow-up", "cold", "Warm Lead", "newsletter;webinar", "Prospect",
    "trade show, booth 12", "churned",
]  # fmt: skip

NOTES = [
    "Met at the conference, follow up in Q3",
    'Prefers to be called "Joe"',
    "Line one of the note\nLine two, with a comma",
    "Called twice, no answer; left voicemail",
    "Très intéressé par l'offre Premium",
    "Signed NDA on 2023-04-01.\nSend contract draft.\n\nThird paragraph.",
    'Said: "call me back, not before 10am"',
    "Referred by Zoë Müller",
    "Budget approved, decision in November",
    "Do not email — phone only",
    "Ex-customer; re-engaged via webinar",
    "Interested in API access, SSO and audit logs",
]  # fmt: skip

INVALID_EMAIL_FORMS = 4

_FOLD = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "đ": "d",
     "ı": "i", "þ": "th", "Þ": "Th", "ð": "d"}
)  # fmt: skip


def ascii_fold(name: str) -> str:
    """`Łukasz` -> `lukasz`, `O'Brien` -> `obrien`, `Van der Berg` -> `vanderberg`."""
    text = unicodedata.normalize("NFKD", name.translate(_FOLD))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c for c in text.lower() if c.isalnum())


def _pool(values: list[str]) -> np.ndarray:
    return np.array(values, dtype=object)


def _s(values: np.ndarray | pd.Series) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=object))


def _blank(series: pd.Series, rng: np.random.Generator, fraction: float) -> pd.Series:
    series = series.copy()
    series[rng.random(len(series)) < fraction] = ""
    return series


_DIGIT_TABLES: dict[int, np.ndarray] = {}


def _digits(rng: np.random.Generator, low: int, high: int, width: int, n: int) -> pd.Series:
    """`n` random zero-padded numbers in [low, high), by lookup (no per-row formatting)."""
    if width > 4:
        head = _digits(rng, low // 10_000, (high - 1) // 10_000 + 1, width - 4, n)
        return head + _digits(rng, 0, 10_000, 4, n)
    if width not in _DIGIT_TABLES:
        _DIGIT_TABLES[width] = np.array([f"{i:0{width}d}" for i in range(10**width)], dtype=object)
    return _s(_DIGIT_TABLES[width][rng.integers(low, high, n)])


def phones(rng: np.random.Generator, n: int) -> pd.Series:
    """Phone numbers in a mix of national and international formats."""
    area = _s(_pool(["415", "212", "646", "312", "617", "206", "512", "303", "202", "305"])
              [rng.integers(0, 10, n)])  # fmt: skip
    exch = _digits(rng, 201, 999, 3, n)
    line = _digits(rng, 0, 10000, 4, n)
    uk = _digits(rng, 0, 1000, 3, n)
    de = _digits(rng, 1000000, 9999999, 7, n)
    fr = [_digits(rng, 10, 99, 2, n) for _ in range(4)]
    builders = [
        lambda m: "(" + area[m] + ") " + exch[m] + "-" + line[m],
        lambda m: area[m] + "." + exch[m] + "." + line[m],
        lambda m: "+1 " + area[m] + " " + exch[m] + " " + line[m],
        lambda m: area[m] + exch[m] + line[m],
        lambda m: area[m] + "-" + exch[m] + "-" + line[m],
        lambda m: "+1-" + area[m] + "-" + exch[m] + "-" + line[m],
        lambda m: "1 (" + area[m] + ") " + exch[m] + "-" + line[m],
        lambda m: "+44 20 7946 0" + uk[m],
        lambda m: "+49 30 " + de[m],
        lambda m: "+33 1 " + fr[0][m] + " " + fr[1][m] + " " + fr[2][m] + " " + fr[3][m],
    ]
    weights = np.array([18, 12, 14, 10, 10, 6, 6, 10, 7, 7], dtype=float)
    choice = rng.choice(len(builders), n, p=weights / weights.sum())
    out = pd.Series([""] * n, dtype=object)
    for k, build in enumerate(builders):
        mask = choice == k
        if mask.any():
            out[mask] = build(mask)
    return out


def created_dates(rng: np.random.Generator, n: int) -> pd.Series:
    """Valid dates 2015–2024: mostly ISO, some US, ISO timestamps and `Mon D, YYYY`."""
    days = np.datetime64("2015-01-01") + rng.integers(0, 3652, n).astype("timedelta64[D]")
    out = _s(np.datetime_as_string(days, unit="D"))
    kind = rng.random(n)
    us = kind < 0.10
    stamp = (kind >= 0.10) & (kind < 0.16)
    text = (kind >= 0.16) & (kind < 0.19)
    blank = (kind >= 0.19) & (kind < 0.23)
    if us.any():
        out[us] = pd.DatetimeIndex(days[us]).strftime("%m/%d/%Y")
    if stamp.any():
        seconds = rng.integers(0, 86400, int(stamp.sum())).astype("timedelta64[s]")
        stamps = days[stamp].astype("datetime64[s]") + seconds
        out[stamp] = _s(np.datetime_as_string(stamps, unit="s")) + "Z"
    if text.any():
        out[text] = pd.DatetimeIndex(days[text]).strftime("%b %d, %Y")
    out[blank] = ""
    return out


def contacts_frame(
    rng: np.random.Generator, rows: int, email_offset: int = 0, dup_fraction: float = 0.05
) -> pd.DataFrame:
    """`rows` contact rows, ~2% with invalid emails and `dup_fraction` in-file duplicates."""
    n_dup = round(rows * dup_fraction) if rows >= 20 else 0
    n = rows - n_dup
    first_i = rng.integers(0, len(FIRST_NAMES), n)
    last_i = rng.integers(0, len(LAST_NAMES), n)
    first = _s(_pool(FIRST_NAMES)[first_i])
    last = _s(_pool(LAST_NAMES)[last_i])
    first_a = _pool([ascii_fold(x) for x in FIRST_NAMES])[first_i]
    last_a = _pool([ascii_fold(x) for x in LAST_NAMES])[last_i]
    domain = _s(_pool(DOMAINS)[rng.integers(0, len(DOMAINS), n)])
    number = _s(np.arange(email_offset, email_offset + n).astype(str).astype(object))
    local = _s(first_a) + "." + _s(last_a) + "." + number
    email = local + "@" + domain

    case = rng.random(n)
    title = case < 0.20
    email[title] = email[title].str.title()
    upper = (case >= 0.20) & (case < 0.25)
    email[upper] = email[upper].str.upper()

    # ~2% invalid emails (of all rows), in several shapes.
    bad = rng.random(n) < 0.02 * rows / max(n, 1)
    if bad.any():
        form = rng.integers(0, INVALID_EMAIL_FORMS, n)
        for k, make in enumerate(
            [
                lambda m: local[m] + domain[m],  # no @
                lambda m: local[m] + "@@" + domain[m],  # two @
                lambda m: local[m] + "@",  # no domain
                lambda m: local[m] + "@" + domain[m].str.replace(".", ",", n=1, regex=False),
            ]
        ):
            mask = bad & (form == k)
            if mask.any():
                email[mask] = make(mask)

    # A little mess in names: upper case, stray spaces.
    mess = rng.random(n)
    first[mess < 0.02] = first[mess < 0.02].str.upper()
    first[(mess >= 0.02) & (mess < 0.03)] = " " + first[(mess >= 0.02) & (mess < 0.03)] + " "
    last[mess > 0.99] = last[mess > 0.99] + " "

    company_pool = _pool(
        [f"{stem}{'' if sfx.startswith(',') or not sfx else ' '}{sfx}".strip()
         for stem in COMPANY_STEMS for sfx in COMPANY_SUFFIXES]
    )  # fmt: skip
    place = rng.integers(0, len(PLACES), n)
    titles = _pool(JOB_TITLES)
    frame = pd.DataFrame(
        {
            "First Name": _blank(first, rng, 0.01),
            "Last Name": _blank(last, rng, 0.02),
            "Email": email,
            "Phone": _blank(phones(rng, n), rng, 0.10),
            "Mobile Phone": _blank(phones(rng, n), rng, 0.45),
            "Company": _blank(_s(company_pool[rng.integers(0, len(company_pool), n)]), rng, 0.12),
            "Job Title": _blank(_s(titles[rng.integers(0, len(titles), n)]), rng, 0.10),
            "City": _blank(_s(_pool([p[0] for p in PLACES])[place]), rng, 0.10),
            "Country": _blank(_s(_pool([p[1] for p in PLACES])[place]), rng, 0.08),
            "Tags": _blank(_s(_pool(TAGS)[rng.integers(0, len(TAGS), n)]), rng, 0.35),
            "Notes": _blank(_s(_pool(NOTES)[rng.integers(0, len(NOTES), n)]), rng, 0.45),
            "Created": created_dates(rng, n),
        }
    )  # fmt: skip
    if n_dup == 0:
        return frame

    # In-file duplicates: copies of earlier valid rows, email in another case / with spaces,
    # each placed somewhere after the row it copies.
    valid = np.flatnonzero(~bad)
    source = valid[rng.integers(0, len(valid), n_dup)]
    dups = frame.iloc[source].reset_index(drop=True)
    variant = rng.integers(0, 4, n_dup)
    de = dups["Email"].copy()
    de[variant == 0] = de[variant == 0].str.upper()
    de[variant == 1] = " " + de[variant == 1].str.lower() + " "
    de[variant == 2] = de[variant == 2].str.title() + "  "
    de[variant == 3] = "\t" + de[variant == 3].str.swapcase()
    dups["Email"] = de
    keys = np.concatenate(
        [np.arange(n, dtype=float), source + 0.5 + rng.random(n_dup) * (n - source - 0.5)]
    )
    order = np.argsort(keys, kind="stable")
    return pd.concat([frame, dups], ignore_index=True).iloc[order].reset_index(drop=True)


_VALID_EMAIL = r"[^@\s,]+@[^@\s,]+\.[A-Za-z]{2,}"


def matching_frame(rng: np.random.Generator, rows: int, source_path: Path) -> pd.DataFrame:
    """Half the rows: changed copies of records in `source_path`; half: new contacts."""
    source = pd.read_csv(source_path, dtype=str, keep_default_na=False)
    norm = source["Email"].str.strip().str.lower()
    usable = source[norm.str.fullmatch(_VALID_EMAIL) & ~norm.duplicated()]
    n_match = min(rows // 2, len(usable))
    matched = usable.iloc[rng.choice(len(usable), n_match, replace=False)].reset_index(drop=True)
    change = rng.random(n_match)
    title = change < 0.6
    matched.loc[title, "Job Title"] = _pool(JOB_TITLES)[
        rng.integers(0, len(JOB_TITLES), int(title.sum()))
    ]
    move = rng.random(n_match) < 0.4
    place = rng.integers(0, len(PLACES), int(move.sum()))
    matched.loc[move, "City"] = _pool([p[0] for p in PLACES])[place]
    matched.loc[move, "Country"] = _pool([p[1] for p in PLACES])[place]
    mobile = rng.random(n_match) < 0.2
    matched.loc[mobile, "Mobile Phone"] = phones(rng, int(mobile.sum())).to_numpy()
    recase = rng.random(n_match) < 0.2
    matched.loc[recase, "Email"] = matched.loc[recase, "Email"].str.upper()

    numbers = source["Email"].str.extract(r"\.(\d+)@", expand=False).dropna()
    offset = int(numbers.astype(np.int64).max()) + 1 if len(numbers) else 0
    new = contacts_frame(rng, rows - n_match, email_offset=offset)
    positions = np.zeros(rows, dtype=bool)
    positions[rng.choice(rows, n_match, replace=False)] = True
    out = pd.DataFrame(index=range(rows), columns=COLUMNS, dtype=object)
    out.loc[positions, COLUMNS] = matched[COLUMNS].to_numpy()
    out.loc[~positions, COLUMNS] = new[COLUMNS].to_numpy()
    return out


def generate(rows: int, out: Path, seed: int = 42, match_from: Path | None = None) -> Path:
    rng = np.random.default_rng(seed)
    frame = matching_frame(rng, rows, match_from) if match_from else contacts_frame(rng, rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame[COLUMNS].to_csv(out, index=False)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--match-from", type=Path)
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    started = time.perf_counter()
    path = generate(args.rows, args.out, args.seed, args.match_from)
    size = path.stat().st_size / 1e6
    print(
        f"wrote {args.rows:,} rows ({size:.1f} MB) to {path} in "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
