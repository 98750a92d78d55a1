"""Regenerates the import test corpus in tests/data and its MANIFEST.yaml, byte for byte.

Run from the repository root with the project's interpreter:

    .venv/bin/python tests/data/make_corpus.py

Needs openpyxl and PyYAML (project dependencies) and, for contacts.xls only, xlwt, which is
not a project dependency. Install it into a throwaway venv and point PYTHONPATH at it:

    python3 -m venv /tmp/xlwtenv && /tmp/xlwtenv/bin/pip install xlwt
    PYTHONPATH=/tmp/xlwtenv/lib/python3.11/site-packages .venv/bin/python tests/data/make_corpus.py

Without xlwt the script keeps the committed contacts.xls and says so. The file over the size
limit is never stored: tests build it in tmp_path with `make_oversize_csv`.
Check the corpus against the manifest with `tests/data/check_manifest.py`.
"""

# ruff: noqa: RUF001  (look-alike letters and dashes in names are test data)
from __future__ import annotations

import csv
import io
import json
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ZIP_TIME = (2024, 1, 1, 0, 0, 0)
CORE_TIME = "2024-01-01T00:00:00Z"
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

Entry = dict[str, Any]


# -- helpers ---------------------------------------------------------------------------------


def _csv_text(
    rows: Iterable[Sequence[Any]],
    delimiter: str = ",",
    lineterminator: str = "\r\n",
    quoting: int = csv.QUOTE_MINIMAL,
) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator, quoting=quoting)
    writer.writerows(rows)
    return buf.getvalue()


def _by_header(header: Sequence[str], records: Iterable[dict[str, str]]) -> list[list[str]]:
    """Rows in header order from dicts keyed by column name (unknown keys are a bug)."""
    rows = []
    for record in records:
        unknown = set(record) - set(header)
        if unknown:
            raise KeyError(f"not in header: {sorted(unknown)}")
        rows.append([record.get(name, "") for name in header])
    return rows


def _write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


def _repack(raw: bytes, replace: dict[str, bytes] | None = None) -> bytes:
    """The same zip with fixed timestamps (entries and docProps/core.xml) and some members
    replaced or added, so that the output does not change from one run to the next."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        names = src.namelist()
        for name in [*names, *sorted(set(replace) - set(names))]:
            data = replace[name] if name in replace else src.read(name)
            if name == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                    rb"\g<1>" + CORE_TIME.encode(),
                    data,
                )
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, data, compresslevel=9)
    return out.getvalue()


def _xlsx_bytes(sheets: list[tuple[str, list[list[Any]]]]) -> bytes:
    """A workbook written by openpyxl; None cells are left out, an empty list is a blank row."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "contactflow tests"
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
    buf = io.BytesIO()
    wb.save(buf)
    return _repack(buf.getvalue())


def _text_entry(
    encoding: str,
    delimiter: str,
    header_row: int,
    columns: Sequence[str],
    total_rows: int,
    module: str = "contacts",
    **extra: Any,
) -> Entry:
    entry: Entry = {
        "module": module,
        "file_type": "csv",
        "encoding": encoding,
        "delimiter": delimiter,
        "header_row": header_row,
        "source_columns": list(columns),
        "total_rows": total_rows,
    }
    entry.update(extra)
    return entry


# -- vendor exports --------------------------------------------------------------------------

GOOGLE_HEADER = [
    "First Name",
    "Middle Name",
    "Last Name",
    "Phonetic First Name",
    "Phonetic Middle Name",
    "Phonetic Last Name",
    "Name Prefix",
    "Name Suffix",
    "Nickname",
    "File As",
    "Organization Name",
    "Organization Title",
    "Organization Department",
    "Birthday",
    "Notes",
    "Photo",
    "Labels",
    "E-mail 1 - Label",
    "E-mail 1 - Value",
    "E-mail 2 - Label",
    "E-mail 2 - Value",
    "Phone 1 - Label",
    "Phone 1 - Value",
    "Phone 2 - Label",
    "Phone 2 - Value",
    "Address 1 - Label",
    "Address 1 - Formatted",
    "Address 1 - Street",
    "Address 1 - City",
    "Address 1 - PO Box",
    "Address 1 - Region",
    "Address 1 - Postal Code",
    "Address 1 - Country",
    "Address 1 - Extended Address",
    "Website 1 - Label",
    "Website 1 - Value",
]


def google_contacts() -> Entry:
    records = [
        {
            "First Name": "José",
            "Last Name": "García",
            "Organization Name": "Acme Corporation",
            "Organization Title": "Chief Technology Officer",
            "Organization Department": "Engineering",
            "Birthday": "1985-04-12",
            "Notes": "Met at PyCon España",
            "Labels": "* myContacts ::: Friends",
            "E-mail 1 - Label": "* Work",
            "E-mail 1 - Value": "jose.garcia@acme.com",
            "E-mail 2 - Label": "Home",
            "E-mail 2 - Value": "jose.garcia85@gmail.com",
            "Phone 1 - Label": "Mobile",
            "Phone 1 - Value": "+34 612 34 56 78",
            "Phone 2 - Label": "Work",
            "Phone 2 - Value": "+1 415-555-0100",
            "Address 1 - Label": "Work",
            "Address 1 - Formatted": "1 Market St\nSan Francisco, CA 94105\nUS",
            "Address 1 - Street": "1 Market St",
            "Address 1 - City": "San Francisco",
            "Address 1 - Region": "CA",
            "Address 1 - Postal Code": "94105",
            "Address 1 - Country": "US",
            "Website 1 - Label": "Profile",
            "Website 1 - Value": "https://www.linkedin.com/in/josegarcia",
        },
        {
            "First Name": "Zoë",
            "Middle Name": "Maria",
            "Last Name": "Ångström",
            "Organization Name": "Nordic Design AB",
            "Labels": "* myContacts",
            "E-mail 1 - Label": "* Home",
            "E-mail 1 - Value": "zoe.angstrom@example.se",
            "Phone 1 - Label": "Mobile",
            "Phone 1 - Value": "+46 70 123 45 67 ::: +46 8 123 456 78",
            "Address 1 - Label": "Home",
            "Address 1 - Formatted": "Drottninggatan 5\n111 51 Stockholm\nSE",
            "Address 1 - Street": "Drottninggatan 5",
            "Address 1 - City": "Stockholm",
            "Address 1 - Postal Code": "111 51",
            "Address 1 - Country": "SE",
        },
        {
            "First Name": "An",
            "Middle Name": "Văn",
            "Last Name": "Nguyễn",
            "Name Prefix": "Mr.",
            "Organization Name": "Initech",
            "Organization Title": "Procurement Lead",
            "Labels": "* myContacts ::: Work ::: Vendors",
            "E-mail 1 - Label": "* Work",
            "E-mail 1 - Value": "an.nguyen@initech.com ::: an@initech.com",
            "Phone 1 - Label": "Work",
            "Phone 1 - Value": "+84 28 3822 1234",
        },
        {
            "First Name": "Siobhán",
            "Last Name": "O'Connor",
            "Nickname": "Shiv",
            "Notes": "Book club, Tuesdays",
            "Labels": "* starred ::: * myContacts ::: Friends",
            "E-mail 1 - Label": "* Other",
            "E-mail 1 - Value": "siobhan@example.ie",
            "Phone 1 - Label": "Home",
            "Phone 1 - Value": "+353 1 234 5678",
        },
        {
            "First Name": "Amara",
            "Last Name": "Okafor",
            "Name Prefix": "Dr.",
            "Name Suffix": "PhD",
            "Organization Name": "Lagos General Hospital",
            "Organization Title": "Cardiologist",
            "Labels": "* myContacts ::: Work",
            "E-mail 1 - Label": "* Work",
            "E-mail 1 - Value": "a.okafor@example.ng",
            "Phone 1 - Label": "Work",
            "Phone 1 - Value": "+234 1 270 0000",
        },
        {
            "First Name": "太郎",
            "Last Name": "田中",
            "Phonetic First Name": "タロウ",
            "Phonetic Last Name": "タナカ",
            "Labels": "* myContacts",
            "E-mail 1 - Label": "* Home",
            "E-mail 1 - Value": "taro.tanaka@example.jp",
            "Phone 1 - Label": "Mobile",
            "Phone 1 - Value": "+81 90-1234-5678",
        },
        {
            "File As": "Globex Corporation",
            "Organization Name": "Globex Corporation",
            "Labels": "* myContacts",
            "E-mail 1 - Label": "* Work",
            "E-mail 1 - Value": "info@globex.com",
            "Phone 1 - Label": "Main",
            "Phone 1 - Value": "+1 800-555-0199",
            "Website 1 - Label": "Work",
            "Website 1 - Value": "https://www.globex.com",
        },
        {
            "First Name": "Marie-Claire",
            "Last Name": "Lefèvre",
            "Birthday": "1990-11-02",
            "Notes": "Allergic to peanuts.\nPrefers WhatsApp.\nCall after 18:00.",
            "Photo": "https://lh3.googleusercontent.com/contacts/AKb2d3E4f5G6h7",
            "Labels": "* myContacts ::: Friends ::: Family",
            "E-mail 1 - Label": "* Home",
            "E-mail 1 - Value": "marie-claire.lefevre@example.fr",
            "Phone 1 - Label": "Mobile",
            "Phone 1 - Value": "+33 6 12 34 56 78",
        },
    ]
    text = _csv_text([GOOGLE_HEADER, *_by_header(GOOGLE_HEADER, records)], lineterminator="\n")
    _write("google_contacts.csv", text.encode("utf-8"))
    return _text_entry(
        "utf-8",
        ",",
        1,
        GOOGLE_HEADER,
        8,
        checks=[
            {"row": 1, "column": "First Name", "value": "José"},
            {
                "row": 1,
                "column": "Address 1 - Formatted",
                "value": "1 Market St\nSan Francisco, CA 94105\nUS",
            },
            {
                "row": 2,
                "column": "Phone 1 - Value",
                "value": "+46 70 123 45 67 ::: +46 8 123 456 78",
            },
            {
                "row": 3,
                "column": "E-mail 1 - Value",
                "value": "an.nguyen@initech.com ::: an@initech.com",
            },
            {"row": 6, "column": "Last Name", "value": "田中"},
            {"row": 7, "column": "First Name", "value": None},
            {
                "row": 8,
                "column": "Notes",
                "value": "Allergic to peanuts.\nPrefers WhatsApp.\nCall after 18:00.",
            },
        ],
        notes="Google Contacts 'Google CSV' export (2023+ column names). Multi-value cells use"
        " ' ::: '; Address 1 - Formatted holds quoted newlines, so 8 records span more lines.",
    )


OUTLOOK_HEADER = [
    "First Name",
    "Middle Name",
    "Last Name",
    "Title",
    "Suffix",
    "Nickname",
    "Given Yomi",
    "Surname Yomi",
    "E-mail Address",
    "E-mail 2 Address",
    "E-mail 3 Address",
    "Home Phone",
    "Home Phone 2",
    "Business Phone",
    "Business Phone 2",
    "Mobile Phone",
    "Car Phone",
    "Other Phone",
    "Primary Phone",
    "Pager",
    "Business Fax",
    "Home Fax",
    "Other Fax",
    "Company Main Phone",
    "Callback",
    "Radio Phone",
    "Telex",
    "TTY/TDD Phone",
    "IMAddress",
    "Job Title",
    "Department",
    "Company",
    "Office Location",
    "Manager's Name",
    "Assistant's Name",
    "Assistant's Phone",
    "Company Yomi",
    "Business Street",
    "Business City",
    "Business State",
    "Business Postal Code",
    "Business Country/Region",
    "Home Street",
    "Home City",
    "Home State",
    "Home Postal Code",
    "Home Country/Region",
    "Other Street",
    "Other City",
    "Other State",
    "Other Postal Code",
    "Other Country/Region",
    "Personal Web Page",
    "Spouse",
    "Schools",
    "Hobby",
    "Location",
    "Web Page",
    "Birthday",
    "Anniversary",
    "Notes",
]


def outlook_contacts() -> Entry:
    records = [
        {
            "First Name": "John",
            "Middle Name": "Q.",
            "Last Name": "Smith",
            "Title": "Mr.",
            "E-mail Address": "john.smith@contoso.com",
            "Business Phone": "(425) 555-0100",
            "Mobile Phone": "(425) 555-0101",
            "Job Title": "Sales Manager",
            "Department": "Sales",
            "Company": "Contoso Ltd.",
            "Business Street": "One Microsoft Way",
            "Business City": "Redmond",
            "Business State": "WA",
            "Business Postal Code": "98052",
            "Business Country/Region": "United States",
            "Birthday": "3/15/1980",
        },
        {
            "First Name": "Åsa",
            "Last Name": "Lindqvist",
            "E-mail Address": "asa.lindqvist@fabrikam.se",
            "Mobile Phone": "+46 70 555 01 02",
            "Company": "Fabrikam AB",
            "Business City": "Stockholm",
            "Business Country/Region": "Sweden",
            "Notes": "Prefers Swedish, English OK",
        },
        {
            "First Name": "Renée",
            "Last Name": "Beaulieu",
            "Title": "Ms.",
            "E-mail Address": "renee@tailspintoys.ca",
            "Business Phone": "+1 514-555-0123",
            "Job Title": "Buyer",
            "Company": "Tailspin Toys",
            "Business Street": "1250 boul. René-Lévesque O",
            "Business City": "Montréal",
            "Business State": "QC",
            "Business Postal Code": "H3B 4W8",
            "Business Country/Region": "Canada",
        },
        {
            "First Name": "Raj",
            "Last Name": "Patel",
            "E-mail Address": "raj.patel@adventure-works.com",
            "E-mail 2 Address": "raj.p@outlook.com",
            "Home Phone": "+44 20 7946 0958",
            "Company": "Adventure Works",
            "Home Street": "221B Baker Street",
            "Home City": "London",
            "Home Postal Code": "NW1 6XE",
            "Home Country/Region": "United Kingdom",
            "Web Page": "www.adventure-works.com",
        },
        {
            "First Name": "Wei",
            "Last Name": "Li",
            "E-mail Address": "li.wei@northwindtraders.com",
            "Business Phone": "+86 10 5555 0199",
            "Job Title": "Export Manager",
            "Company": "Northwind Traders",
            "Business City": "Beijing",
            "Business Country/Region": "China",
            "Notes": "Met at Canton Fair; send catalogue",
        },
        {"First Name": "Pat", "Mobile Phone": "(206) 555-0175"},
    ]
    text = _csv_text([OUTLOOK_HEADER, *_by_header(OUTLOOK_HEADER, records)])
    _write("outlook_contacts.csv", text.encode("utf-8-sig"))
    return _text_entry(
        "utf-8-sig",
        ",",
        1,
        OUTLOOK_HEADER,
        6,
        checks=[
            {"row": 1, "column": "E-mail Address", "value": "john.smith@contoso.com"},
            {"row": 3, "column": "Business City", "value": "Montréal"},
            {"row": 6, "column": "Mobile Phone", "value": "(206) 555-0175"},
            {"row": 6, "column": "Last Name", "value": None},
        ],
        notes="Outlook.com (Outlook on the web) CSV export, 61 columns, UTF-8 with BOM, CRLF."
        " The BOM must not leak into the first column name.",
    )


LINKEDIN_PREAMBLE = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are'
    " missing. You will only see email addresses for connections who have allowed their"
    " connections to see or download their email address using this setting"
    " https://www.linkedin.com/psettings/privacy/email. You can learn more here"
    ' https://www.linkedin.com/help/linkedin/answer/261"\n'
    "\n"
)
LINKEDIN_HEADER = [
    "First Name",
    "Last Name",
    "URL",
    "Email Address",
    "Company",
    "Position",
    "Connected On",
]


def linkedin_connections() -> Entry:
    rows = [
        [
            "Priya",
            "Sharma",
            "https://www.linkedin.com/in/priya-sharma-4b1a2c",
            "",
            "Acme Corporation",
            "Head of Sales, EMEA",
            "15 Mar 2023",
        ],
        [
            "Mateo",
            "Fernández",
            "https://www.linkedin.com/in/mateofernandez",
            "mateo.f@example.com",
            "Globex",
            "Data Engineer",
            "02 Jan 2021",
        ],
        [
            "Chloé",
            "Martin",
            "https://www.linkedin.com/in/chloe-martin-87",
            "",
            "Smith, Jones & Co",
            "Associate",
            "28 Feb 2024",
        ],
        [
            "Kwame",
            "Mensah",
            "https://www.linkedin.com/in/kwamemensah",
            "",
            "Initech",
            "Software Engineer II",
            "11 Nov 2019",
        ],
        [
            "Olga",
            "Kowalska",
            "https://www.linkedin.com/in/olga-kowalska",
            "olga.k@example.pl",
            "Umbrella Corp",
            "Recruiter",
            "30 Jun 2022",
        ],
        [
            "Tom",
            "O'Neil",
            "https://www.linkedin.com/in/tom-oneil-0a1b2c3d",
            "",
            "",
            "",
            "07 Aug 2020",
        ],
        ["", "", "", "", "", "", "04 Jul 2022"],
        [
            "Hannah",
            "Schmidt",
            "https://www.linkedin.com/in/hannahschmidt",
            "",
            "Hooli",
            "VP Product",
            "19 Sep 2023",
        ],
        [
            "Diego",
            "Ruiz",
            "https://www.linkedin.com/in/diego-ruiz-b2",
            "",
            "Initech",
            "CFO",
            "01 Dec 2018",
        ],
    ]
    text = LINKEDIN_PREAMBLE + _csv_text([LINKEDIN_HEADER, *rows], lineterminator="\n")
    _write("linkedin_connections.csv", text.encode("utf-8"))
    return _text_entry(
        "utf-8",
        ",",
        4,
        LINKEDIN_HEADER,
        9,
        checks=[
            {"row": 1, "column": "Position", "value": "Head of Sales, EMEA"},
            {"row": 1, "column": "Connected On", "value": "15 Mar 2023"},
            {"row": 3, "column": "Company", "value": "Smith, Jones & Co"},
            {"row": 7, "column": "URL", "value": None},
        ],
        notes="LinkedIn Connections.csv: 'Notes:', a quoted paragraph (containing commas) and a"
        " blank line precede the header on line 4. Row 7 is LinkedIn's placeholder for a"
        " member who hides their profile: only Connected On is set, so a contacts import"
        " reports it as a row error (no identity), not a parse error.",
    )


HUBSPOT_HEADER = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Mobile Phone Number",
    "Company Name",
    "Job Title",
    "Street Address",
    "City",
    "State/Region",
    "Postal Code",
    "Country/Region",
    "Website URL",
    "Lifecycle Stage",
    "Lead Status",
    "Contact owner",
    "Create Date",
    "Last Activity Date",
    "Marketing contact status",
    "Associated Company",
    "Primary Associated Company ID",
]


def hubspot_contacts() -> Entry:
    records = [
        {
            "Record ID": "51234567801",
            "First Name": "Emily",
            "Last Name": "Carter",
            "Email": "emily.carter@acme.com",
            "Phone Number": "+1 (415) 555-0132",
            "Mobile Phone Number": "+1 415 555 0133",
            "Company Name": "Acme Corporation",
            "Job Title": "VP Marketing",
            "Street Address": "1 Market St",
            "City": "San Francisco",
            "State/Region": "CA",
            "Postal Code": "94105",
            "Country/Region": "United States",
            "Website URL": "acme.com",
            "Lifecycle Stage": "Customer",
            "Lead Status": "Connected",
            "Contact owner": "Sam Sales",
            "Create Date": "2023-03-15 14:22",
            "Last Activity Date": "2024-01-09 10:05",
            "Marketing contact status": "Marketing contact",
            "Associated Company": "Acme Corporation",
            "Primary Associated Company ID": "9876543210",
        },
        {
            "Record ID": "51234567802",
            "First Name": "Lucas",
            "Last Name": "Moreau",
            "Email": "lucas.moreau@globex.com",
            "Phone Number": "+33 1 42 68 53 00",
            "Company Name": "Globex",
            "Job Title": "Directeur commercial",
            "City": "Paris",
            "Country/Region": "France",
            "Lifecycle Stage": "Lead",
            "Lead Status": "New",
            "Create Date": "2023-06-01 09:00",
            "Marketing contact status": "Non-marketing contact",
            "Associated Company": "Globex",
            "Primary Associated Company ID": "9876543211",
        },
        {
            "Record ID": "51234567803",
            "First Name": "Aisha",
            "Last Name": "Bello",
            "Email": "aisha@initech.com",
            "Mobile Phone Number": "(512) 555-0188",
            "Company Name": "Initech",
            "Job Title": "Office Manager",
            "Street Address": "4120 Freidrich Ln",
            "City": "Austin",
            "State/Region": "TX",
            "Postal Code": "78744",
            "Country/Region": "United States",
            "Lifecycle Stage": "Marketing Qualified Lead",
            "Create Date": "2023-09-21 16:47",
            "Marketing contact status": "Marketing contact",
        },
        {
            "Record ID": "51234567804",
            "First Name": "Björn",
            "Last Name": "Svensson",
            "Email": "bjorn.svensson@example.se",
            "Country/Region": "Sweden",
            "Lifecycle Stage": "Subscriber",
            "Create Date": "2024-02-29 08:15",
            "Marketing contact status": "Marketing contact",
        },
        {
            "Record ID": "51234567805",
            "Email": "no-name@example.com",
            "Lifecycle Stage": "Subscriber",
            "Create Date": "2024-05-05 23:59",
            "Marketing contact status": "Marketing contact",
        },
        {
            "Record ID": "51234567806",
            "First Name": "Grace",
            "Last Name": "Kim",
            "Email": "Grace.Kim@Hooli.com ",
            "Phone Number": "650-555-0110",
            "Company Name": "Hooli",
            "Job Title": "Engineering Manager",
            "City": "Palo Alto",
            "State/Region": "CA",
            "Country/Region": "United States",
            "Website URL": "https://hooli.xyz",
            "Lifecycle Stage": "Opportunity",
            "Lead Status": "In progress",
            "Contact owner": "Sam Sales",
            "Create Date": "2024-07-04 12:00",
            "Associated Company": "Hooli",
            "Primary Associated Company ID": "9876543212",
        },
    ]
    text = _csv_text([HUBSPOT_HEADER, *_by_header(HUBSPOT_HEADER, records)], quoting=csv.QUOTE_ALL)
    _write("hubspot_contacts.csv", text.encode("utf-8"))
    return _text_entry(
        "utf-8",
        ",",
        1,
        HUBSPOT_HEADER,
        6,
        checks=[
            {"row": 1, "column": "Record ID", "value": "51234567801"},
            {"row": 1, "column": "Create Date", "value": "2023-03-15 14:22"},
            {"row": 5, "column": "First Name", "value": None},
        ],
        normalized=[
            {"row": 6, "field": "email", "value": "grace.kim@hooli.com"},
        ],
        notes="HubSpot CRM contacts export (every field quoted, CRLF). Row 6's email has mixed"
        " case and a trailing space: normalization gives grace.kim@hooli.com.",
    )


SALESFORCE_HEADER = [
    "Contact ID",
    "Salutation",
    "First Name",
    "Last Name",
    "Title",
    "Account Name",
    "Email",
    "Phone",
    "Mobile",
    "Mailing Street",
    "Mailing City",
    "Mailing State/Province",
    "Mailing Zip/Postal Code",
    "Mailing Country",
    "Lead Source",
    "Created Date",
]


def salesforce_contacts() -> Entry:
    records = [
        {
            "Contact ID": "0035g00000Q1aBc",
            "Salutation": "Mr.",
            "First Name": "Michael",
            "Last Name": "O'Brien",
            "Title": "Director of IT",
            "Account Name": "Acme Corporation",
            "Email": "mobrien@acme.com",
            "Phone": "(415) 555-0140",
            "Mobile": "(415) 555-0141",
            "Mailing Street": "1 Market St\nSuite 300",
            "Mailing City": "San Francisco",
            "Mailing State/Province": "CA",
            "Mailing Zip/Postal Code": "94105",
            "Mailing Country": "USA",
            "Lead Source": "Web",
            "Created Date": "3/15/2023",
        },
        {
            "Contact ID": "0035g00000Q1aBd",
            "Salutation": "Ms.",
            "First Name": "Sofia",
            "Last Name": "Rossi",
            "Title": "Purchasing Manager",
            "Account Name": "Globex",
            "Email": "sofia.rossi@globex.com",
            "Phone": "+39 02 1234 5678",
            "Mailing City": "Milano",
            "Mailing Country": "Italy",
            "Lead Source": "Trade Show",
            "Created Date": "11/2/2022",
        },
        {
            "Contact ID": "0035g00000Q1aBe",
            "Salutation": "Dr.",
            "First Name": "Hiroshi",
            "Last Name": "Yamamoto",
            "Title": "CTO",
            "Account Name": "Initech",
            "Email": "h.yamamoto@initech.com",
            "Mobile": "+81 90 1111 2222",
            "Mailing City": "Tokyo",
            "Mailing Country": "Japan",
            "Lead Source": "Partner Referral",
            "Created Date": "1/5/2024",
        },
        {
            "Contact ID": "0035g00000Q1aBf",
            "First Name": "Laura",
            "Last Name": "Nowak",
            "Account Name": "Umbrella Corp",
            "Email": "laura.nowak@umbrella.co.uk",
            "Phone": "+44 20 7946 0321",
            "Mailing Street": "10 Downing Close",
            "Mailing City": "London",
            "Mailing Zip/Postal Code": "SW1A 2AA",
            "Mailing Country": "United Kingdom",
            "Lead Source": "Cold Call",
            "Created Date": "7/20/2023",
        },
        {
            "Contact ID": "0035g00000Q1aBg",
            "Salutation": "Mr.",
            "First Name": "Kevin",
            "Last Name": "Brooks",
            "Title": "Owner",
            "Account Name": "Brooks & Sons, LLC",
            "Email": "kevin@brooksandsons.com",
            "Phone": "312.555.0190",
            "Mailing Street": "200 W Madison St",
            "Mailing City": "Chicago",
            "Mailing State/Province": "IL",
            "Mailing Zip/Postal Code": "60606",
            "Mailing Country": "USA",
            "Lead Source": "Web",
            "Created Date": "12/31/2023",
        },
        {
            "Contact ID": "0035g00000Q1aBh",
            "First Name": "Nadia",
            "Last Name": "Haddad",
            "Account Name": "Hooli",
            "Phone": "+1 650 555 0177",
            "Lead Source": "Other",
            "Created Date": "2/29/2024",
        },
    ]
    text = _csv_text(
        [SALESFORCE_HEADER, *_by_header(SALESFORCE_HEADER, records)], quoting=csv.QUOTE_ALL
    )
    _write("salesforce_contacts.csv", text.encode("utf-8"))
    return _text_entry(
        "utf-8",
        ",",
        1,
        SALESFORCE_HEADER,
        6,
        checks=[
            {"row": 1, "column": "Contact ID", "value": "0035g00000Q1aBc"},
            {"row": 1, "column": "Mailing Street", "value": "1 Market St\nSuite 300"},
            {"row": 5, "column": "Account Name", "value": "Brooks & Sons, LLC"},
            {"row": 6, "column": "Email", "value": None},
        ],
        notes="Salesforce report 'Details only' CSV export (every field quoted, CRLF, US dates"
        " M/D/YYYY). Mailing Street of row 1 spans two lines.",
    )


MAILCHIMP_HEADER = [
    "Email Address",
    "First Name",
    "Last Name",
    "Address",
    "Phone Number",
    "Birthday",
    "MEMBER_RATING",
    "OPTIN_TIME",
    "OPTIN_IP",
    "CONFIRM_TIME",
    "CONFIRM_IP",
    "LATITUDE",
    "LONGITUDE",
    "GMTOFF",
    "DSTOFF",
    "TIMEZONE",
    "CC",
    "REGION",
    "LAST_CHANGED",
    "LEID",
    "EUID",
    "NOTES",
    "TAGS",
]


def _mailchimp_field(value: str) -> str:
    """Mailchimp quotes a field only when it holds a space, comma, quote or newline."""
    if any(ch in value for ch in ' ,"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def mailchimp_audience() -> Entry:
    records = [
        {
            "Email Address": "olivia.bennett@example.com",
            "First Name": "Olivia",
            "Last Name": "Bennett",
            "Address": "12 Oak Ave  Apt 4  Portland  OR  97205  US",
            "Phone Number": "+1 503 555 0111",
            "Birthday": "03/15",
            "MEMBER_RATING": "4",
            "OPTIN_TIME": "2023-03-15 09:41:12",
            "OPTIN_IP": "203.0.113.7",
            "CONFIRM_TIME": "2023-03-15 09:43:50",
            "CONFIRM_IP": "203.0.113.7",
            "LATITUDE": "45.5152000",
            "LONGITUDE": "-122.6784000",
            "GMTOFF": "-8",
            "DSTOFF": "-7",
            "TIMEZONE": "America/Los_Angeles",
            "CC": "US",
            "REGION": "OR",
            "LAST_CHANGED": "2024-01-10 17:02:33",
            "LEID": "123456789",
            "EUID": "a1b2c3d4e5",
            "TAGS": '"Customer","VIP"',
        },
        {
            "Email Address": "m.schulz@example.de",
            "First Name": "Max",
            "Last Name": "Schulz",
            "MEMBER_RATING": "2",
            "OPTIN_TIME": "2022-11-02 18:00:00",
            "CONFIRM_TIME": "2022-11-02 18:05:10",
            "CONFIRM_IP": "198.51.100.23",
            "GMTOFF": "1",
            "DSTOFF": "2",
            "TIMEZONE": "Europe/Berlin",
            "CC": "DE",
            "REGION": "BE",
            "LAST_CHANGED": "2022-11-02 18:05:10",
            "LEID": "123456790",
            "EUID": "b2c3d4e5f6",
            "TAGS": '"Newsletter"',
        },
        {
            "Email Address": "ana.souza@example.com.br",
            "First Name": "Ana",
            "Last Name": "Souza",
            "Phone Number": "+55 11 91234 5678",
            "MEMBER_RATING": "3",
            "CONFIRM_TIME": "2023-08-19 12:30:00",
            "CONFIRM_IP": "192.0.2.55",
            "LAST_CHANGED": "2023-08-19 12:30:00",
            "LEID": "123456791",
            "EUID": "c3d4e5f6a7",
            "NOTES": "Signed up at the São Paulo meetup, wants Portuguese content",
        },
        {
            "Email Address": "kenji@example.jp",
            "MEMBER_RATING": "2",
            "CONFIRM_TIME": "2024-04-01 00:00:01",
            "LAST_CHANGED": "2024-04-01 00:00:01",
            "LEID": "123456792",
            "EUID": "d4e5f6a7b8",
            "TAGS": '"Trial"',
        },
        {
            "Email Address": "liam.walsh@example.ie",
            "First Name": "Liam",
            "Last Name": "Walsh",
            "Birthday": "12/01",
            "MEMBER_RATING": "5",
            "CONFIRM_TIME": "2021-12-01 08:08:08",
            "CONFIRM_IP": "203.0.113.99",
            "CC": "IE",
            "REGION": "D",
            "LAST_CHANGED": "2024-06-30 11:11:11",
            "LEID": "123456793",
            "EUID": "e5f6a7b8c9",
            "TAGS": '"Customer","Newsletter","Event: Dublin 2023"',
        },
    ]
    lines = [
        ",".join(_mailchimp_field(v) for v in row)
        for row in [MAILCHIMP_HEADER, *_by_header(MAILCHIMP_HEADER, records)]
    ]
    _write("mailchimp_audience.csv", ("\n".join(lines) + "\n").encode("utf-8"))
    return _text_entry(
        "utf-8",
        ",",
        1,
        MAILCHIMP_HEADER,
        5,
        checks=[
            {"row": 1, "column": "TAGS", "value": '"Customer","VIP"'},
            {"row": 1, "column": "Address", "value": "12 Oak Ave  Apt 4  Portland  OR  97205  US"},
            {"row": 4, "column": "First Name", "value": None},
            {"row": 5, "column": "TAGS", "value": '"Customer","Newsletter","Event: Dublin 2023"'},
        ],
        notes="Mailchimp audience export (subscribed members). Only fields with a space, comma or"
        " quote are quoted; TAGS holds quoted, comma-separated tags; Birthday is MM/DD.",
    )


# -- encodings and delimiters ----------------------------------------------------------------

GERMAN_HEADER = [
    "Vorname",
    "Nachname",
    "E-Mail-Adresse",
    "Telefon",
    "Firma",
    "Straße",
    "PLZ",
    "Ort",
    "Land",
    "Geburtstag",
    "Notizen",
]


def german_excel() -> Entry:
    rows = [
        [
            "Jürgen",
            "Müller",
            "juergen.mueller@example.de",
            "+49 30 1234567",
            "Bäckerei Weiß GmbH",
            "Königstraße 12",
            "10115",
            "Berlin",
            "Deutschland",
            "15.03.1985",
            "Umsatz 2023: 12.500,00 €",
        ],
        [
            "Anja",
            "Schröder",
            "anja.schroeder@example.de",
            "089 9876543",
            "Großhandel Süd AG",
            "Maximilianstraße 3",
            "80539",
            "München",
            "Deutschland",
            "01.12.1979",
            "",
        ],
        [
            "Lukas",
            "Weiß",
            "l.weiss@example.at",
            "+43 1 5320000",
            "Café Grünwald",
            "Mariahilfer Straße 88",
            "1070",
            "Wien",
            "Österreich",
            "29.02.1992",
            "Rückruf erbeten – „dringend“",
        ],
        [
            "Sophie",
            "Groß",
            "sophie.gross@example.de",
            "0351 4567890",
            "Dresdner Hütte KG",
            "Prager Straße 1",
            "01067",
            "Dresden",
            "Deutschland",
            "",
            "PLZ mit führender Null",
        ],
        [
            "Matthias",
            "Keßler",
            "m.kessler@example.ch",
            "+41 44 2345678",
            "Zürcher Präzision AG",
            "Bahnhofstrasse 7",
            "8001",
            "Zürich",
            "Schweiz",
            "07.07.1970",
            "Preis 99 € netto",
        ],
        [
            "Emine",
            "Öztürk",
            "emine.oeztuerk@example.de",
            "0221 123456",
            "",
            "Domstraße 20",
            "50668",
            "Köln",
            "Deutschland",
            "30.06.1988",
            "",
        ],
    ]
    text = _csv_text([GERMAN_HEADER, *rows], delimiter=";")
    _write("german_excel.csv", text.encode("cp1252"))
    return _text_entry(
        "cp1252",
        ";",
        1,
        GERMAN_HEADER,
        6,
        checks=[
            {"row": 1, "column": "Notizen", "value": "Umsatz 2023: 12.500,00 €"},
            {"row": 1, "column": "Straße", "value": "Königstraße 12"},
            {"row": 3, "column": "Notizen", "value": "Rückruf erbeten – „dringend“"},
            {"row": 4, "column": "PLZ", "value": "01067"},
            {"row": 4, "column": "Geburtstag", "value": None},
        ],
        notes="German Excel 'CSV (Trennzeichen-getrennt)': Windows-1252, ';', CRLF, dates"
        " DD.MM.YYYY (import with dayfirst: true or date_format %d.%m.%Y). Bytes 0x80"
        " (€), 0x84 („), 0x93 (“) and 0x96 (–) make it cp1252, not latin-1; decimal"
        " commas inside fields must not make ',' the delimiter; PLZ 01067 keeps its zero.",
    )


FRENCH_HEADER = [
    "Prénom",
    "Nom",
    "Courriel",
    "Téléphone",
    "Entreprise",
    "Adresse",
    "Code postal",
    "Ville",
    "Pays",
]


def french_contacts() -> Entry:
    rows = [
        [
            "Hélène",
            "Dubois",
            "helene.dubois@example.fr",
            "+33 1 42 68 53 00",
            "Société Générale",
            "29, boulevard Haussmann",
            "75009",
            "Paris",
            "France",
        ],
        [
            "François-Xavier",
            "Lefèbvre",
            "fx.lefebvre@example.fr",
            "06 12 34 56 78",
            "Crème & Cœur SARL",
            "12, rue de la Paix",
            "69002",
            "Lyon",
            "France",
        ],
        [
            "Zoë",
            "Gauthier",
            "zoe.gauthier@example.be",
            "+32 2 555 12 34",
            "Brasserie Léon",
            "Rue Neuve 1",
            "1000",
            "Bruxelles",
            "Belgique",
        ],
        [
            "Noël",
            "Çelik",
            "noel.celik@example.fr",
            "04 91 00 00 00",
            "",
            "3 quai du Port",
            "13002",
            "Marseille",
            "France",
        ],
        [
            "Maëlle",
            "Bérubé",
            "maelle.berube@example.ca",
            "+1 514-555-0199",
            "Hydro-Québec",
            "75, boul. René-Lévesque Ouest",
            "H2Z 1A4",
            "Montréal",
            "Canada",
        ],
        [
            "Jérôme",
            "Ducasse",
            "jerome@example.fr",
            "",
            "Château Ducasse",
            "",
            "33000",
            "Bordeaux",
            "France",
        ],
    ]
    text = _csv_text([FRENCH_HEADER, *rows], lineterminator="\n")
    _write("french_contacts.csv", text.encode("utf-8"))
    return _text_entry(
        "utf-8",
        ",",
        1,
        FRENCH_HEADER,
        6,
        checks=[
            {"row": 1, "column": "Adresse", "value": "29, boulevard Haussmann"},
            {"row": 2, "column": "Entreprise", "value": "Crème & Cœur SARL"},
            {"row": 6, "column": "Téléphone", "value": None},
        ],
        notes="French UTF-8 (no BOM) file with French column names; phones in national"
        " format need default_region FR.",
    )


UTF16_HEADER = ["Full Name", "Email", "Phone", "Company", "Notes"]


def utf16_tabs() -> Entry:
    rows = [
        ["王小明", "wang.xiaoming@example.cn", "+86 21 5555 0101", "上海贸易有限公司", "首选微信"],
        ["Łukasz Żółć", "lukasz.zolc@example.pl", "+48 22 555 01 02", "Kraków Soft", ""],
        [
            "Σοφία Παπαδοπούλου",
            "sofia.p@example.gr",
            "+30 21 0555 0103",
            "Ακρόπολις ΑΕ",
            "Party planner 🎉",
        ],
        [
            "José Ñandú",
            "jose.nandu@example.ar",
            "+54 11 5555 0104",
            "Pampa, S.A.",
            "Comma, inside; semicolon too",
        ],
        ["Иван Петров", "ivan.petrov@example.ru", "+7 495 555 01 05", "ООО «Ромашка»", ""],
    ]
    text = _csv_text([UTF16_HEADER, *rows], delimiter="\t")
    _write("utf16_tabs.txt", b"\xff\xfe" + text.encode("utf-16-le"))
    return _text_entry(
        "utf-16",
        "\t",
        1,
        UTF16_HEADER,
        5,
        checks=[
            {"row": 1, "column": "Full Name", "value": "王小明"},
            {"row": 3, "column": "Notes", "value": "Party planner 🎉"},
            {"row": 4, "column": "Company", "value": "Pampa, S.A."},
        ],
        notes="UTF-16 LE with BOM, tab-delimited, CRLF (Excel 'Unicode Text'). Row 3 holds a"
        " character outside the BMP (surrogate pair).",
    )


def quoted_newlines() -> Entry:
    header = ["First Name", "Last Name", "Email", "Company", "Notes"]
    rows = [
        [
            "Alice",
            "Walker",
            "alice.walker@example.com",
            "Smith, Jones & Partners",
            "Met at conference.\nInterested in pricing.\nFollow up in Q3.",
        ],
        [
            "Bob",
            "Stone",
            "bob.stone@example.com",
            'The "Best" Widgets Inc.',
            'Said "call me Bob", prefers email',
        ],
        [
            "Carla",
            "Reyes",
            "carla@example.com",
            "Reyes Consulting",
            "Line one\r\nLine two (CRLF inside the quotes)",
        ],
        ["Dev", "Anand", "dev.anand@example.com", "", '"Quoted from start to end"'],
        ["Eve", "Adams", "eve@example.com", "Adams, Adams, and Adams", "a,b,c\n\nd"],
    ]
    text = _csv_text([header, *rows])
    _write("quoted_newlines.csv", text.encode("utf-8"))
    return _text_entry(
        "utf-8",
        ",",
        1,
        header,
        5,
        checks=[
            {
                "row": 1,
                "column": "Notes",
                "value": "Met at conference.\nInterested in pricing.\nFollow up in Q3.",
            },
            {"row": 1, "column": "Company", "value": "Smith, Jones & Partners"},
            {"row": 2, "column": "Company", "value": 'The "Best" Widgets Inc.'},
            {"row": 2, "column": "Notes", "value": 'Said "call me Bob", prefers email'},
            {"row": 3, "column": "Notes", "value": "Line one\r\nLine two (CRLF inside the quotes)"},
            {"row": 4, "column": "Notes", "value": '"Quoted from start to end"'},
            {"row": 5, "column": "Notes", "value": "a,b,c\n\nd"},
        ],
        notes="5 records over 11 physical lines: quoted fields with commas, doubled quotes,"
        " LF and CRLF inside the quotes (the blank line inside row 5 is data, not a blank"
        " row).",
    )


def pipe_delimited() -> Entry:
    header = ["id", "first_name", "last_name", "email", "phone", "company", "tags"]
    rows = [
        [
            "1001",
            "Ravi",
            "Kumar",
            "ravi.kumar@example.in",
            "+91 22 5555 0101",
            "Smith, Jones & Co",
            "vip;newsletter",
        ],
        [
            "1002",
            "Mei",
            "Chen",
            "mei.chen@example.com",
            "(415) 555-0102",
            "Acme Corporation",
            "customer",
        ],
        ["1003", "Tariq", "Aziz", "tariq@example.com", "", "", ""],
        [
            "1004",
            "Ingrid",
            "Larsen",
            "ingrid.larsen@example.no",
            "+47 22 55 01 04",
            "Fjord, Fisk & Co AS",
            "partner, nordic",
        ],
        [
            "1005",
            "Paulo",
            "Costa",
            "paulo.costa@example.pt",
            "+351 21 555 0105",
            "Globex",
            "customer;vip",
        ],
    ]
    text = _csv_text([header, *rows], delimiter="|", lineterminator="\n")
    _write("pipe_delimited.txt", text.encode("utf-8"))
    return _text_entry(
        "utf-8",
        "|",
        1,
        header,
        5,
        checks=[
            {"row": 1, "column": "company", "value": "Smith, Jones & Co"},
            {"row": 4, "column": "tags", "value": "partner, nordic"},
            {"row": 3, "column": "phone", "value": None},
        ],
        notes="'|'-delimited .txt; commas and semicolons inside unquoted fields must not win"
        " delimiter detection.",
    )


def ragged_rows() -> Entry:
    header = ["First Name", "Last Name", "Email", "Phone", "Company"]
    lines = [
        ",".join(header),
        "Anna,Berg,anna.berg@example.com,+46 8 555 0101,Acme Corporation",
        "Ben,Cole,ben.cole@example.com,(415) 555-0102",
        "Cara,Diaz,cara.diaz@example.com,(415) 555-0103,Globex,EXTRA",
        "Dan,Evans,dan.evans@example.com",
        "Eli,Fox,eli.fox@example.com,(415) 555-0105,Initech",
        "Fay,Gray,fay.gray@example.com,(415) 555-0106,Hooli,EXTRA1,EXTRA2",
        "Gus,Hale,gus.hale@example.com,,Umbrella Corp",
    ]
    _write("ragged_rows.csv", ("\n".join(lines) + "\n").encode("utf-8"))
    return _text_entry(
        "utf-8",
        ",",
        1,
        header,
        7,
        row_errors=[
            {"row": 3, "reason": "too many fields"},
            {"row": 6, "reason": "too many fields"},
        ],
        checks=[
            {"row": 2, "column": "Company", "value": None},
            {"row": 4, "column": "Phone", "value": None},
            {"row": 4, "column": "Company", "value": None},
            {"row": 7, "column": "Phone", "value": None},
        ],
        notes="Rows 3 (6 fields) and 6 (7 fields) have more fields than the 5 header names:"
        " row errors. Rows 2 (4 fields) and 4 (3 fields) are short: the missing trailing"
        " fields are empty, no error. total_rows counts the error rows too.",
    )


def duplicate_headers() -> Entry:
    lines = [
        "Email,Name,Email,,Phone,",
        "ann@example.com,Ann Lee,ann.lee@work.example.com,x,+1 415 555 0101,y",
        "bo@example.com,Bo Yang,,,+1 415 555 0102,",
        "cy@example.com,Cy Ortiz,cy.ortiz@work.example.com,,,z",
    ]
    _write("duplicate_headers.csv", ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    columns = ["Email", "Name", "Email (2)", "Column 4", "Phone", "Column 6"]
    return _text_entry(
        "utf-8",
        ",",
        1,
        columns,
        3,
        checks=[
            {"row": 1, "column": "Email", "value": "ann@example.com"},
            {"row": 1, "column": "Email (2)", "value": "ann.lee@work.example.com"},
            {"row": 1, "column": "Column 4", "value": "x"},
            {"row": 1, "column": "Column 6", "value": "y"},
            {"row": 3, "column": "Column 6", "value": "z"},
        ],
        notes="Header 'Email,Name,Email,,Phone,': the second Email becomes 'Email (2)', empty"
        " names become 'Column N' with N the 1-based position.",
    )


def null_like_values() -> Entry:
    header = ["First Name", "Last Name", "Email", "Country"]
    rows = [
        ["NULL", "Smith", "nullsmith@example.com", "N/A"],
        ["Jennifer", "Null", "jennifer.null@example.com", "US"],
        ["N/A", "NA", "na@example.com", "NA"],
        ["None", "Jones", "none.jones@example.com", "None"],
        ["NaN", "Nguyen", "nan.nguyen@example.com", "NaN"],
        ["null", "Brown", "null.brown@example.com", "null"],
        ["", "Empty", "empty@example.com", "   "],
    ]
    text = _csv_text([header, *rows], lineterminator="\n")
    _write("null_like_values.csv", text.encode("utf-8"))
    return _text_entry(
        "utf-8",
        ",",
        1,
        header,
        7,
        checks=[
            {"row": 1, "column": "First Name", "value": "NULL"},
            {"row": 1, "column": "Country", "value": "N/A"},
            {"row": 2, "column": "Last Name", "value": "Null"},
            {"row": 3, "column": "First Name", "value": "N/A"},
            {"row": 3, "column": "Last Name", "value": "NA"},
            {"row": 3, "column": "Country", "value": "NA"},
            {"row": 4, "column": "First Name", "value": "None"},
            {"row": 5, "column": "Country", "value": "NaN"},
            {"row": 6, "column": "First Name", "value": "null"},
            {"row": 7, "column": "First Name", "value": None},
        ],
        notes="NULL, N/A, NA, None, NaN and null are text, never empty (pandas' default NA"
        " parsing must be off); NA in Country is Namibia. Only row 7's empty First Name"
        " and all-blank Country are empty (the raw value '   ' is blank: null after"
        " normalization).",
    )


def edge_files() -> dict[str, Entry]:
    header = ["First Name", "Last Name", "Email"]
    _write("header_only.csv", b"First Name,Last Name,Email\r\n")
    _write("empty.csv", b"")
    _write("whitespace_only.csv", b"\n\n   \r\n\t\n  \n")
    return {
        "header_only.csv": _text_entry(
            "utf-8",
            ",",
            1,
            header,
            0,
            notes="A header and no rows: preview works, an import completes with 0 rows.",
        ),
        "empty.csv": {"module": "contacts", "rejected": "empty file", "notes": "0 bytes."},
        "whitespace_only.csv": {
            "module": "contacts",
            "rejected": "blank lines only",
            "notes": "Only line breaks, spaces and a tab: no header row.",
        },
    }


def _png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    idat = zlib.compress(b"\x00\x00", 9)  # filter byte 0, one black pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def png_renamed() -> Entry:
    _write("png_renamed.csv", _png_1x1())
    return {
        "module": "contacts",
        "rejected": "not a supported format (PNG image)",
        "notes": "A valid 1x1 PNG (signature, IHDR, IDAT, IEND) named .csv: the format"
        " comes from content, not the extension.",
    }


def huge_cell() -> Entry:
    header = ["First Name", "Last Name", "Email", "Notes"]
    notes = ("Lorem ipsum dolor sit amet. " * 1200)[:33_000]
    rows = [
        ["Short", "Row", "short.row@example.com", "fine"],
        ["Long", "Notes", "long.notes@example.com", notes],
        ["After", "Row", "after.row@example.com", "also fine"],
    ]
    _write("huge_cell.csv", _csv_text([header, *rows], lineterminator="\n").encode("utf-8"))
    return {
        **_text_entry("utf-8", ",", 1, header, 3),
        "rejected": "cell over 32,767 characters",
        "notes": "Row 2's Notes cell has 33,000 characters. SPEC §3 lists cells over 32,767"
        " characters with the hostile files: the whole file is rejected and"
        " nothing is written (not a row error).",
    }


# -- spreadsheets ----------------------------------------------------------------------------

XLSX_HEADER = [
    "First Name",
    "Last Name",
    "Email",
    "Phone",
    "Mobile",
    "Company",
    "Job Title",
    "Zip",
    "Birthday",
    "Created At",
    "Subscribed",
    "Notes",
]
XLSX_COMPANIES = ["Name", "Domain", "Website", "Industry", "Phone"]


def contacts_xlsx() -> Entry:
    contacts: list[list[Any]] = [
        ["Contact export"],
        [],
        XLSX_HEADER,
        [
            "Ada",
            "Lovelace",
            "ada@example.com",
            4155550100,
            "+1 415 555 0101",
            "Analytical Engines",
            "Mathematician",
            "02134",
            date(1985, 4, 12),
            datetime(2023, 3, 15, 9, 30),
            True,
            "First programmer",
        ],
        [
            "Grete",
            "Hoffmann",
            "grete.hoffmann@example.de",
            49301234567,
            None,
            "Berliner Werke GmbH",
            "Einkauf",
            "10115",
            date(1979, 12, 1),
            datetime(2022, 11, 2, 18, 5),
            False,
            None,
        ],
        [],
        [
            "Carlos",
            "Mendes",
            "carlos.mendes@example.com",
            2125550143,
            "(212) 555-0144",
            "Acme Corporation",
            "Account Executive",
            "10001",
            None,
            datetime(2024, 1, 5, 8, 0),
            True,
            None,
        ],
        [
            "Dana",
            "Whitfield",
            "dana@example.org",
            "(617) 555-0150",
            None,
            None,
            None,
            "02139",
            date(1990, 6, 30),
            datetime(2024, 2, 29, 23, 59, 59),
            False,
            "Phone stored as text",
        ],
        [
            "Eitan",
            "Levi",
            "eitan.levi@example.co.il",
            97235550160,
            None,
            "Initech",
            "CTO",
            None,
            None,
            datetime(2023, 8, 1, 12, 0),
            True,
            None,
        ],
        [
            "Fiona",
            "Gallagher",
            "fiona@example.ie",
            None,
            353871234567,
            "Hooli",
            None,
            None,
            date(2000, 2, 29),
            datetime(2021, 12, 24, 17, 45),
            False,
            None,
        ],
    ]
    companies: list[list[Any]] = [
        XLSX_COMPANIES,
        ["Acme Corporation", "acme.com", "https://www.acme.com", "Manufacturing", 4155550150],
        ["Globex", "www.globex.com", None, "Energy", None],
        ["Initech", None, "https://www.initech.com/about", "Software", 5125550100],
        ["Hooli", "hooli.xyz", "hooli.xyz", "Technology", None],
    ]
    _write("contacts.xlsx", _xlsx_bytes([("Contacts", contacts), ("Companies", companies)]))
    return {
        "module": "contacts",
        "file_type": "xlsx",
        "sheet": "Contacts",
        "header_row": 3,
        "source_columns": XLSX_HEADER,
        "total_rows": 6,
        "checks": [
            {"row": 1, "column": "Phone", "value": "4155550100"},
            {"row": 2, "column": "Phone", "value": "49301234567"},
            {"row": 1, "column": "Zip", "value": "02134"},
            {"row": 4, "column": "Phone", "value": "(617) 555-0150"},
            {"row": 5, "column": "Phone", "value": "97235550160"},
            {"row": 6, "column": "Mobile", "value": "353871234567"},
            {"row": 2, "column": "Mobile", "value": None},
        ],
        "cell_types": [
            {"row": 1, "column": "Phone", "type": "int"},
            {"row": 1, "column": "Birthday", "type": "date", "value": "1985-04-12"},
            {"row": 1, "column": "Created At", "type": "datetime", "value": "2023-03-15T09:30:00"},
            {"row": 1, "column": "Subscribed", "type": "bool", "value": True},
            {"row": 1, "column": "Zip", "type": "str"},
        ],
        "sheets": {
            "Companies": {
                "module": "companies",
                "header_row": 1,
                "source_columns": XLSX_COMPANIES,
                "total_rows": 4,
                "checks": [
                    {"row": 1, "column": "Phone", "value": "4155550150"},
                    {"row": 2, "column": "Domain", "value": "www.globex.com"},
                ],
            },
        },
        "notes": "Sheet 'Contacts' (first): title in A1, blank row 2, header on row 3, a blank"
        " row (sheet row 6) between data rows 2 and 3 that is not a record. Phones are"
        " numeric cells (no '.0', no exponent); Zip is text with a leading zero;"
        " Birthday a date cell, Created At a datetime cell, Subscribed a boolean."
        " Sheet 'Companies' is read with sheet: Companies.",
    }


XLS_HEADER = ["First Name", "Last Name", "Email", "Phone", "Company", "Birthday", "Score"]


def contacts_xls() -> Entry:
    entry: Entry = {
        "module": "contacts",
        "file_type": "xls",
        "sheet": "Contacts",
        "header_row": 1,
        "source_columns": XLS_HEADER,
        "total_rows": 4,
        "checks": [
            {"row": 1, "column": "Phone", "value": "4155550100"},
            {"row": 2, "column": "Phone", "value": "49301234567"},
            {"row": 3, "column": "Phone", "value": "+44 20 7946 0018"},
            {"row": 4, "column": "Birthday", "value": None},
        ],
        "cell_types": [
            {"row": 1, "column": "Phone", "type": "number"},
            {"row": 1, "column": "Birthday", "type": "date", "value": "1985-04-12"},
            {"row": 1, "column": "Score", "type": "number", "value": 4.5},
        ],
        "notes": "Legacy BIFF8 workbook written by xlwt: phones as numeric cells (xlrd returns"
        " floats such as 4155550100.0, which must read back as 4155550100), Birthday"
        " as date-formatted cells.",
    }
    try:
        import xlwt  # type: ignore[import-untyped]
    except ImportError:
        print(
            "contacts.xls: xlwt is not installed, keeping the committed file "
            "(see this script's docstring)",
            file=sys.stderr,
        )
        return entry
    rows: list[list[Any]] = [
        XLS_HEADER,
        [
            "Ada",
            "Lovelace",
            "ada@example.com",
            4155550100,
            "Analytical Engines",
            date(1985, 4, 12),
            4.5,
        ],
        [
            "Grete",
            "Hoffmann",
            "grete.hoffmann@example.de",
            49301234567,
            "Berliner Werke GmbH",
            date(1979, 12, 1),
            3,
        ],
        [
            "Oliver",
            "Twist",
            "oliver.twist@example.co.uk",
            "+44 20 7946 0018",
            "Fagin & Co",
            date(2001, 2, 28),
            None,
        ],
        ["Ümit", "Yıldız", "umit.yildiz@example.com.tr", 902125550100, "İstanbul Ticaret", None, 5],
    ]
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Contacts")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write(r, c, datetime(value.year, value.month, value.day), date_style)
            else:
                sheet.write(r, c, value)
    buf = io.BytesIO()
    book.save(buf)
    _write("contacts.xls", buf.getvalue())
    return entry


def _simple_xlsx() -> bytes:
    """A two-column workbook whose parts the hostile variants replace."""
    return _xlsx_bytes([("Sheet1", [["Email", "Name"], ["bob@example.com", "Bob"]])])


def xxe_xlsx() -> Entry:
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        f'<worksheet xmlns="{SHEET_NS}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Name</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>bob@example.com</t></is></c>'
        '<c r="B2" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
        "</sheetData></worksheet>"
    ).encode()
    _write("xxe.xlsx", _repack(_simple_xlsx(), {"xl/worksheets/sheet1.xml": sheet}))
    return {
        "module": "contacts",
        "file_type": "xlsx",
        "rejected": "DTD / entity declarations",
        "notes": "xl/worksheets/sheet1.xml declares an external entity"
        " (SYSTEM file:///etc/passwd) and uses &xxe; in cell B2. Must be refused"
        " before any XML parser resolves it; no file content may appear anywhere.",
    }


def entity_bomb_xlsx() -> Entry:
    """openpyxl writes inline strings, so the shared-strings part (where Excel keeps text) is
    added by hand: content type, workbook relationship and a sheet that points into it."""
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    strings = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f"<!DOCTYPE sst [{''.join(entities)}]>\n"
        f'<sst xmlns="{SHEET_NS}" count="4" uniqueCount="4">'
        "<si><t>Email</t></si><si><t>Name</t></si><si><t>bob@example.com</t></si>"
        "<si><t>&lol9;</t></si></sst>"
    ).encode()
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{SHEET_NS}"><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>'
        "</sheetData></worksheet>"
    ).encode()
    raw = _simple_xlsx()
    with zipfile.ZipFile(io.BytesIO(raw)) as src:
        types = src.read("[Content_Types].xml").replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        rels = src.read("xl/_rels/workbook.xml.rels").replace(
            b"</Relationships>",
            b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId99"/>'
            b"</Relationships>",
        )
    _write(
        "entity_bomb.xlsx",
        _repack(
            raw,
            {
                "[Content_Types].xml": types,
                "xl/_rels/workbook.xml.rels": rels,
                "xl/worksheets/sheet1.xml": sheet,
                "xl/sharedStrings.xml": strings,
            },
        ),
    )
    return {
        "module": "contacts",
        "file_type": "xlsx",
        "rejected": "DTD / entity declarations",
        "notes": "Billion laughs in xl/sharedStrings.xml: lol9 expands to 10^9 'lol's"
        " (3 GB); cell B2 is shared string 3, &lol9;.",
    }


def _bomb_xlsx(method: int, megabytes: int) -> bytes:
    """An ordinary workbook whose sheet1.xml is a valid worksheet padded with `megabytes` MiB of
    spaces inside sheetData, streamed through the compressor in 1 MiB chunks."""
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{SHEET_NS}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c></row>'
    ).encode()
    tail = b"</sheetData></worksheet>"
    chunk = b" " * (1 << 20)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_simple_xlsx())) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, ZIP_TIME)
            info.external_attr = 0o644 << 16
            if item.filename != "xl/worksheets/sheet1.xml":
                info.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(info, src.read(item.filename), compresslevel=9)
                continue
            info.compress_type = method
            with dst.open(info, "w") as sink:
                sink.write(head)
                for _ in range(megabytes):
                    sink.write(chunk)
                sink.write(tail)
    return out.getvalue()


def zip_bombs() -> dict[str, Entry]:
    _write("zip_bomb.xlsx", _bomb_xlsx(zipfile.ZIP_BZIP2, 1200))
    _write("zip_bomb_deflate.xlsx", _bomb_xlsx(zipfile.ZIP_DEFLATED, 80))
    return {
        "zip_bomb.xlsx": {
            "module": "contacts",
            "file_type": "xlsx",
            "rejected": "zip bomb",
            "notes": "xl/worksheets/sheet1.xml is bzip2-compressed (ZIP method 12, which"
            " Python's zipfile and so openpyxl read): about 1 KB that expands to"
            " 1.26 GB (1200 MiB of spaces inside sheetData), ratio > 1,000,000:1;"
            " the sizes in the zip directory are true. Check ZipInfo.file_size and"
            " compress_size before reading any member.",
        },
        "zip_bomb_deflate.xlsx": {
            "module": "contacts",
            "file_type": "xlsx",
            "rejected": "zip bomb",
            "notes": "Same layout with Deflate, the method Excel uses: about 80 KB expanding"
            " to 84 MB, ratio about 1,000:1 (Deflate cannot exceed 1,032:1). Trips a"
            " ratio limit, not a size limit.",
        },
    }


# -- JSON ------------------------------------------------------------------------------------

JSON_COLUMNS = [
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "subscribed",
    "tags",
    "created_at",
    "address.street",
    "address.city",
    "address.zip",
    "address.country",
]


def json_files() -> dict[str, Entry]:
    records = [
        {
            "id": "c-1001",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "phone": "+44 20 7946 0018",
            "company": "Analytical Engines",
            "subscribed": True,
            "tags": ["vip", "math"],
            "created_at": "2023-03-15T09:30:00Z",
            "address": {
                "street": "12 St James's Square",
                "city": "London",
                "zip": "SW1Y 4JH",
                "country": "GB",
            },
        },
        {
            "id": "c-1002",
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@example.com",
            "phone": 2025550123,
            "company": "Navy Labs",
            "subscribed": False,
            "tags": [],
            "created_at": "2022-11-02",
            "address": {
                "street": "1 Main St",
                "city": "Arlington",
                "zip": "22201",
                "country": "US",
            },
        },
        {
            "id": "c-1003",
            "first_name": "Hélène",
            "last_name": "Dubois",
            "email": "helene@example.fr",
            "company": None,
            "subscribed": True,
            "tags": ["newsletter"],
            "created_at": "2024-01-05T08:00:00+01:00",
            "address": {
                "street": "29, boulevard Haussmann",
                "city": "Paris",
                "zip": "75009",
                "country": "FR",
            },
        },
        {
            "id": "c-1004",
            "first_name": "李",
            "last_name": "娜",
            "email": "li.na@example.cn",
            "phone": "+86 21 5555 0101",
            "company": "上海贸易",
            "subscribed": False,
            "tags": ["partner"],
            "created_at": "2024-06-30T23:59:59Z",
            "address": {"street": "", "city": "Shanghai", "zip": "200000", "country": "CN"},
        },
    ]
    _write("contacts.json", (json.dumps(records, ensure_ascii=False, indent=2) + "\n").encode())

    lines = [
        {
            "email": "mia.wong@example.com",
            "first_name": "Mia",
            "last_name": "Wong",
            "phone": "+1 604 555 0101",
            "company": "Acme Corporation",
            "tags": "customer;vip",
        },
        {
            "email": "omar.haddad@example.com",
            "first_name": "Omar",
            "last_name": "Haddad",
            "phone": "+971 4 555 0102",
            "company": "Globex",
            "tags": "lead",
        },
        {
            "email": "zoe.king@example.com",
            "first_name": "Zoë",
            "last_name": "King",
            "phone": None,
            "company": "Initech",
            "tags": "",
        },
        {
            "email": "sam.obi@example.com",
            "first_name": "Sam",
            "last_name": "Obi",
            "phone": "+234 1 555 0104",
            "company": "",
            "tags": "partner",
        },
    ]
    jsonl_columns = ["email", "first_name", "last_name", "phone", "company", "tags"]
    text = "".join(json.dumps(obj, ensure_ascii=False) + "\n" for obj in lines)
    _write("contacts.jsonl", text.encode())
    _write("json_disguised.csv", text.encode())

    not_array = {"contacts": [{"email": "ada@example.com", "first_name": "Ada"}], "count": 1}
    _write("not_array.json", (json.dumps(not_array, indent=2) + "\n").encode())
    full = json.dumps(records[:2], ensure_ascii=False, indent=2)
    _write("broken.json", full[: full.index('"grace@example.com"') + 8].encode())

    return {
        "contacts.json": {
            "module": "contacts",
            "file_type": "json",
            "source_columns": JSON_COLUMNS,
            "total_rows": 4,
            "checks": [
                {"row": 1, "column": "address.city", "value": "London"},
                {"row": 2, "column": "phone", "value": "2025550123"},
                {"row": 3, "column": "phone", "value": None},
                {"row": 3, "column": "company", "value": None},
                {"row": 4, "column": "address.street", "value": None},
            ],
            "notes": "Array of objects. Nested objects flatten to dotted columns"
            " (address.street ...; pandas.json_normalize's names and order); 'tags'"
            " is a JSON list, i.e. a multi-value cell; record 3 has no 'phone' key"
            " and a null company; record 2's phone is a JSON number.",
        },
        "contacts.jsonl": {
            "module": "contacts",
            "file_type": "jsonl",
            "source_columns": jsonl_columns,
            "total_rows": 4,
            "checks": [
                {"row": 3, "column": "first_name", "value": "Zoë"},
                {"row": 3, "column": "phone", "value": None},
            ],
            "notes": "One object per line, LF, trailing newline.",
        },
        "json_disguised.csv": {
            "module": "contacts",
            "file_type": "jsonl",
            "source_columns": jsonl_columns,
            "total_rows": 4,
            "notes": "Same bytes as contacts.jsonl under a .csv name: format from content.",
        },
        "not_array.json": {
            "module": "contacts",
            "file_type": "json",
            "rejected": "not an array of objects",
            "notes": 'A pretty-printed object ({"contacts": [...], "count": 1}) at top'
            " level; multi-line, so it is not JSONL either.",
        },
        "broken.json": {
            "module": "contacts",
            "file_type": "json",
            "rejected": "invalid JSON (truncated)",
            "notes": "An array cut off inside the second object's email string.",
        },
    }


def disguised_csv() -> Entry:
    header = ["Email", "First Name", "Last Name"]
    rows = [
        ["kim@example.com", "Kim", "Park"],
        ["lee@example.com", "Lee", "Chang"],
        ["max@example.com", "Max", "Rivera"],
    ]
    _write("csv_as.xlsx", _csv_text([header, *rows]).encode("utf-8"))
    return _text_entry(
        "utf-8",
        ",",
        1,
        header,
        3,
        notes="Plain CSV text saved with an .xlsx extension: parsed as CSV.",
    )


# -- companies and groups --------------------------------------------------------------------


def companies_csv() -> Entry:
    header = ["Name", "Domain", "Website", "Industry", "Phone"]
    rows = [
        [
            "Acme Corporation",
            "acme.com",
            "https://www.acme.com",
            "Manufacturing",
            "+1 415 555 0150",
        ],
        ["Globex", "www.globex.com", "", "Energy", ""],
        ["Jane's Bakery", "gmail.com", "", "Food & Beverage", "+1 503 555 0160"],
        ["Initech", "", "https://www.initech.com/about", "Software", "(512) 555-0100"],
        ["Umbrella Corp", "UMBRELLA.co.uk", "http://umbrella.co.uk", "Pharmaceuticals", ""],
        ["Hooli", "", "hooli.xyz", "Technology", ""],
    ]
    _write("companies.csv", _csv_text([header, *rows]).encode("utf-8"))
    return _text_entry(
        "utf-8",
        ",",
        1,
        header,
        6,
        module="companies",
        checks=[
            {"row": 2, "column": "Domain", "value": "www.globex.com"},
            {"row": 3, "column": "Domain", "value": "gmail.com"},
        ],
        normalized=[
            {"row": 1, "field": "domain", "value": "acme.com"},
            {"row": 2, "field": "domain", "value": "globex.com"},
            {"row": 3, "field": "domain", "value": None},
            {"row": 4, "field": "domain", "value": "initech.com"},
            {"row": 5, "field": "domain", "value": "umbrella.co.uk"},
            {"row": 6, "field": "domain", "value": "hooli.xyz"},
        ],
        notes="Map Name/Domain/Website/Industry/Phone to the companies fields. 'normalized'"
        " lists the stored domain: www. dropped, lower-cased, derived from the website"
        " when empty, and a free-mail domain (gmail.com) leaves it empty without error.",
    )


def groups_csv() -> Entry:
    header = ["Name", "Description"]
    rows = [
        ["Customers", "Paying customers"],
        ["Newsletter", "Subscribed to the monthly newsletter"],
        ["VIP", "Key accounts, handled by the founders"],
        ["Partners", ""],
    ]
    _write("groups.csv", _csv_text([header, *rows]).encode("utf-8"))
    return _text_entry(
        "utf-8",
        ",",
        1,
        header,
        4,
        module="groups",
        checks=[
            {"row": 3, "column": "Description", "value": "Key accounts, handled by the founders"},
            {"row": 4, "column": "Description", "value": None},
        ],
    )


# -- generated at test time ------------------------------------------------------------------


def make_oversize_csv(path: Path, size_mb: float) -> Path:
    """Write a valid contacts CSV of just over `size_mb` MiB to `path`, streaming, so a test can
    check that a file over `max_file_mb` is rejected before parsing (e.g. size_mb=1.5 with
    max_file_mb=1, or 101 with the default of 100)."""
    target = int(size_mb * 1024 * 1024) + 1
    written = 0
    with open(path, "wb") as out:
        header = b"First Name,Last Name,Email,Phone\r\n"
        out.write(header)
        written += len(header)
        n = 0
        while written < target:
            block = b"".join(
                b"Person,%d,person%d@example.com,+1 415 555 %04d\r\n" % (i, i, i % 10000)
                for i in range(n, n + 1000)
            )
            out.write(block)
            written += len(block)
            n += 1000
    return path


RUNTIME: dict[str, Entry] = {
    "oversize.csv": {
        "module": "contacts",
        "rejected": "file too large",
        "generator": "tests/data/make_corpus.py: make_oversize_csv(path, size_mb)",
        "notes": "Not stored. Build it in tmp_path just over max_file_mb (e.g."
        " make_oversize_csv(tmp_path / 'big.csv', 1.5) with max_file_mb=1); it must"
        " be rejected before any parsing. The content itself is a valid CSV.",
    },
}

MANIFEST_HEAD = """\
# What a correct parser must report for each file in tests/data (written by make_corpus.py;
# verified against the files by check_manifest.py: regenerate both, never hand-edit).
#
# Conventions
# - file_type, encoding, delimiter, header_row, source_columns, total_rows: as in
#   `contactflow preview` (SPEC §3, §8). encoding/delimiter only for delimited text;
#   header_row is the 1-based physical line (text) or sheet row (spreadsheets).
# - total_rows counts data records after the header: a quoted field spanning several lines
#   is one record; fully blank lines/rows are not records and take no row number; rows
#   with parse errors are counted.
# - row numbers (row_errors, checks) are 1-based data rows: the first record after the
#   header is row 1.
# - row_errors: parse-level row errors only (reason is a label, not a message to match).
#   Validation errors that depend on a mapping (bad phone, no identity) are in notes.
# - rejected: the file (or a runtime-built one) must be refused with a clear message and
#   nothing written; the value is a short reason label.
# - checks: raw cell values after parsing, as text (None = empty cell). Numeric spreadsheet
#   cells keep their digits. cell_types: what openpyxl/xlrd hold for that cell.
# - normalized: the stored value of a target field after mapping and normalization.
# - sheets: other sheets of a workbook, read with the `sheet` option.
"""


def main() -> None:
    files: dict[str, Entry] = {
        "google_contacts.csv": google_contacts(),
        "outlook_contacts.csv": outlook_contacts(),
        "linkedin_connections.csv": linkedin_connections(),
        "hubspot_contacts.csv": hubspot_contacts(),
        "salesforce_contacts.csv": salesforce_contacts(),
        "mailchimp_audience.csv": mailchimp_audience(),
        "german_excel.csv": german_excel(),
        "french_contacts.csv": french_contacts(),
        "utf16_tabs.txt": utf16_tabs(),
        "quoted_newlines.csv": quoted_newlines(),
        "pipe_delimited.txt": pipe_delimited(),
        "ragged_rows.csv": ragged_rows(),
        "duplicate_headers.csv": duplicate_headers(),
        "null_like_values.csv": null_like_values(),
        **edge_files(),
        "png_renamed.csv": png_renamed(),
        "huge_cell.csv": huge_cell(),
        "contacts.xlsx": contacts_xlsx(),
        "contacts.xls": contacts_xls(),
        "csv_as.xlsx": disguised_csv(),
        "xxe.xlsx": xxe_xlsx(),
        "entity_bomb.xlsx": entity_bomb_xlsx(),
        **zip_bombs(),
        **json_files(),
        "companies.csv": companies_csv(),
        "groups.csv": groups_csv(),
    }
    _write_manifest(files)


def _write_manifest(files: dict[str, Entry]) -> None:
    """Block YAML, except one flow mapping per check/error line; multi-line strings escaped."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    class Flow(dict):  # type: ignore[type-arg]
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = '"' if "\n" in value or "\r" in value or "\t" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    def flow(dumper: yaml.SafeDumper, value: Flow) -> yaml.MappingNode:
        return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=True)

    Dumper.add_representer(str, text)
    Dumper.add_representer(Flow, flow)

    def wrap(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: wrap(v) for k, v in value.items()}
            return Flow(out) if "row" in value else out
        if isinstance(value, list):
            return [wrap(v) for v in value]
        return value

    body = yaml.dump(
        wrap({"files": files, "runtime": RUNTIME}),
        Dumper=Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    (HERE / "MANIFEST.yaml").write_text(MANIFEST_HEAD + body, encoding="utf-8")


if __name__ == "__main__":
    main()
