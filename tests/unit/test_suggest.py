"""Mapping suggestions for real export layouts, non-English headers and value-only columns."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pytest

from pipelines.imports.suggest import Suggestion, normalize_header, suggest_mapping
from schemas.modules import ADDRESS_PARTS, COMPANIES, CONTACTS, GROUPS, PHONE_TYPES, ModuleDef

Triple = tuple[str | None, str | None, str | None]


def _run(
    module: ModuleDef, columns: list[str], rows: list[list[Any]] | None = None
) -> list[Suggestion]:
    sample = pd.DataFrame(rows or [], columns=columns, dtype=object)
    return suggest_mapping(module, columns, sample)


def _by_column(suggestions: list[Suggestion]) -> dict[str, Suggestion]:
    return {s.source_column: s for s in suggestions}


def _triples(suggestions: list[Suggestion]) -> dict[str, Triple]:
    return {s.source_column: (s.target_field, s.value_type, s.address_part) for s in suggestions}


def _assert_layout(
    suggestions: list[Suggestion], expected: dict[str, Triple], unmapped: Sequence[str] = ()
) -> None:
    got = _triples(suggestions)
    assert {c: got[c] for c in expected} == expected
    by_column = _by_column(suggestions)
    for column, (target, _, _) in expected.items():
        if target is not None:
            assert by_column[column].confidence >= 0.6, by_column[column]
    for column in unmapped:
        s = by_column[column]
        assert s.target_field is None or s.confidence < 0.6, s


def _single_value_targets(module: ModuleDef, suggestions: list[Suggestion]) -> list[str]:
    keys = []
    for s in suggestions:
        if s.target_field is None:
            continue
        if s.address_part is not None:
            keys.append(f"address.{s.address_part}")
        elif not module.field(s.target_field).multi:
            keys.append(s.target_field)
    return keys


OUTLOOK = [
    "First Name", "Middle Name", "Last Name", "Title", "Suffix", "Company", "Department",
    "Job Title", "Business Street", "Business Street 2", "Business City", "Business State",
    "Business Postal Code", "Business Country/Region", "Home Street", "Home City", "Home State",
    "Home Postal Code", "Home Country/Region", "Business Fax", "Business Phone",
    "Business Phone 2", "Home Phone", "Mobile Phone", "Other Phone", "E-mail Address",
    "E-mail Display Name", "E-mail 2 Address", "E-mail 3 Address", "Notes", "Web Page",
    "Categories", "Birthday",
]  # fmt: skip
OUTLOOK_ROW = [
    "Ann", "Marie", "Lee", "Dr.", "PhD", "Acme Inc", "Sales", "VP Sales", "1 Market St",
    "Suite 200", "San Francisco", "CA", "94105", "United States", "9 Elm St", "Oakland", "CA",
    "94601", "United States", "(415) 555-0199", "(415) 555-0100", "(415) 555-0101",
    "(510) 555-0102", "(415) 555-0103", "(415) 555-0104", "ann@acme.com",
    "Ann Lee (ann@acme.com)", "ann.lee@gmail.com", "ann@lee.family", "Met at expo",
    "https://acme.com", "Customers;VIP", "4/1/1980",
]  # fmt: skip
GOOGLE_NEW = [
    "First Name", "Middle Name", "Last Name", "Phonetic First Name", "Nickname", "File As",
    "Organization Name", "Organization Title", "Organization Department", "Birthday", "Notes",
    "Labels", "E-mail 1 - Label", "E-mail 1 - Value", "E-mail 2 - Label", "E-mail 2 - Value",
    "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label", "Phone 2 - Value",
    "Address 1 - Label", "Address 1 - Formatted", "Address 1 - Street", "Address 1 - City",
    "Address 1 - PO Box", "Address 1 - Region", "Address 1 - Postal Code", "Address 1 - Country",
    "Website 1 - Label", "Website 1 - Value",
]  # fmt: skip
GOOGLE_NEW_ROW = [
    "Ann", "", "Lee", "", "Annie", "", "Acme", "CTO", "R&D", "1980-04-01", "Friend of Bo",
    "* myContacts ::: Friends", "* Work", "ann@acme.com", "Home", "ann@gmail.com", "Mobile",
    "+1 650-555-0100", "Work Fax", "+1 650-555-0199", "Home",
    "1 Main St\nPalo Alto, CA 94301", "1 Main St", "Palo Alto", "", "CA", "94301", "US",
    "Blog", "https://annlee.dev",
]  # fmt: skip


def test_suggest_outlook_layout() -> None:
    suggestions = _run(CONTACTS, OUTLOOK, [OUTLOOK_ROW, OUTLOOK_ROW])
    _assert_layout(
        suggestions,
        {
            "First Name": ("first_name", None, None),
            "Last Name": ("last_name", None, None),
            "Company": ("company", None, None),
            "Job Title": ("job_title", None, None),
            "Business Street": ("address", None, "street"),
            "Business Street 2": ("address", None, "street2"),
            "Business City": ("address", None, "city"),
            "Business State": ("address", None, "state"),
            "Business Postal Code": ("address", None, "zip"),
            "Business Country/Region": ("address", None, "country"),
            "Business Fax": ("phones", "Fax", None),
            "Business Phone": ("phones", "Work", None),
            "Business Phone 2": ("phones", "Work", None),
            "Home Phone": ("phones", "Home", None),
            "Mobile Phone": ("phones", "Mobile", None),
            "Other Phone": ("phones", "Other", None),
            "E-mail Address": ("email", None, None),
            "E-mail 2 Address": ("additional_emails", None, None),
            "E-mail 3 Address": ("additional_emails", None, None),
            "Notes": ("notes", None, None),
            "Categories": ("tags", None, None),
        },
        unmapped=[
            "Middle Name",
            "Title",
            "Suffix",
            "Department",
            "E-mail Display Name",
            "Web Page",
            "Birthday",
        ],
    )


def test_suggest_outlook_title_is_a_salutation_not_a_job_title() -> None:
    triples = _triples(_run(CONTACTS, OUTLOOK, [OUTLOOK_ROW]))
    assert triples["Title"] == (None, None, None)
    without_job_title = ["First Name", "Title", "E-mail Address"]
    rows = [["Ann", "Dr.", "ann@acme.com"], ["Bo", "Mr.", "bo@acme.com"], ["Cy", "Ms", "c@x.io"]]
    salutation = _by_column(_run(CONTACTS, without_job_title, rows))["Title"]
    assert salutation.target_field is None or salutation.confidence < 0.6


def test_suggest_prefers_business_address_over_home() -> None:
    columns = ["E-mail Address", "Home Street", "Home City", "Business City", "Business Street"]
    triples = _triples(_run(CONTACTS, columns, [["a@b.com", "9 Elm", "Oakland", "SF", "1 Main"]]))
    assert triples["Business City"] == ("address", None, "city")
    assert triples["Business Street"] == ("address", None, "street")
    assert triples["Home City"] == (None, None, None)
    assert triples["Home Street"] == (None, None, None)
    home_only = _triples(_run(CONTACTS, ["Email", "Home City", "Home Postal Code", "Country"]))
    assert home_only["Home City"] == ("address", None, "city")
    assert home_only["Home Postal Code"] == ("address", None, "zip")
    assert home_only["Country"] == ("address", None, "country")


def test_suggest_google_contacts_new_layout() -> None:
    suggestions = _run(CONTACTS, GOOGLE_NEW, [GOOGLE_NEW_ROW])
    _assert_layout(
        suggestions,
        {
            "First Name": ("first_name", None, None),
            "Last Name": ("last_name", None, None),
            "Organization Name": ("company", None, None),
            "Organization Title": ("job_title", None, None),
            "Notes": ("notes", None, None),
            "Labels": ("tags", None, None),
            "E-mail 1 - Value": ("email", None, None),
            "E-mail 2 - Value": ("additional_emails", None, None),
            "Phone 1 - Value": ("phones", "Mobile", None),
            "Phone 2 - Value": ("phones", "Fax", None),
            "Address 1 - Street": ("address", None, "street"),
            "Address 1 - City": ("address", None, "city"),
            "Address 1 - Region": ("address", None, "state"),
            "Address 1 - Postal Code": ("address", None, "zip"),
            "Address 1 - Country": ("address", None, "country"),
        },
        unmapped=[
            "Middle Name",
            "Phonetic First Name",
            "Nickname",
            "File As",
            "Organization Department",
            "Birthday",
            "E-mail 1 - Label",
            "E-mail 2 - Label",
            "Phone 1 - Label",
            "Address 1 - Label",
            "Address 1 - Formatted",
            "Website 1 - Label",
            "Website 1 - Value",
        ],
    )


def test_suggest_google_label_columns_are_never_emails() -> None:
    columns = ["E-mail 1 - Label", "E-mail 1 - Value"]
    rows = [["* Work", "ann@acme.com"], ["Home", "bo@example.org"]]
    triples = _triples(_run(CONTACTS, columns, rows))
    assert triples == {
        "E-mail 1 - Label": (None, None, None),
        "E-mail 1 - Value": ("email", None, None),
    }


def test_suggest_google_contacts_old_layout() -> None:
    columns = [
        "Name", "Given Name", "Additional Name", "Family Name", "Yomi Name", "Name Prefix",
        "Name Suffix", "Nickname", "Birthday", "Gender", "Occupation", "Notes",
        "Group Membership", "E-mail 1 - Type", "E-mail 1 - Value", "E-mail 2 - Type",
        "E-mail 2 - Value", "Phone 1 - Type", "Phone 1 - Value", "Organization 1 - Type",
        "Organization 1 - Name", "Organization 1 - Title", "Organization 1 - Department",
    ]  # fmt: skip
    row = [
        "Ann Lee", "Ann", "", "Lee", "", "", "", "", "1980-04-01", "female", "", "", 
        "* myContacts ::: Coworkers", "* Work", "ann@acme.com", "Other", "ann@gmail.com",
        "Home", "(650) 555-0100", "", "Acme", "CTO", "",
    ]  # fmt: skip
    _assert_layout(
        _run(CONTACTS, columns, [row]),
        {
            "Name": ("display_name", None, None),
            "Given Name": ("first_name", None, None),
            "Family Name": ("last_name", None, None),
            "Group Membership": ("groups", None, None),
            "E-mail 1 - Value": ("email", None, None),
            "E-mail 2 - Value": ("additional_emails", None, None),
            "Phone 1 - Value": ("phones", "Home", None),
            "Organization 1 - Name": ("company", None, None),
            "Organization 1 - Title": ("job_title", None, None),
        },
        unmapped=[
            "Additional Name",
            "Yomi Name",
            "Name Prefix",
            "Name Suffix",
            "Nickname",
            "Birthday",
            "Gender",
            "E-mail 1 - Type",
            "Phone 1 - Type",
            "Organization 1 - Type",
            "Organization 1 - Department",
        ],
    )


def test_suggest_linkedin_connections_export() -> None:
    columns = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
               "Connected On"]  # fmt: skip
    rows = [
        ["Ann", "Lee", "https://www.linkedin.com/in/annlee", "", "Acme", "CTO", "15 Mar 2023"],
        ["Bo", "Ng", "https://www.linkedin.com/in/bo-ng-1a2b3c", "bo@beta.io", "Beta", "CEO",
         "02 Jan 2024"],
        ["Cy", "Oh", "https://www.linkedin.com/in/cyoh", "", "Gamma", "Engineer", "30 Jun 2022"],
    ]  # fmt: skip
    _assert_layout(
        _run(CONTACTS, columns, rows),
        {
            "First Name": ("first_name", None, None),
            "Last Name": ("last_name", None, None),
            "URL": ("linkedin_url", None, None),
            "Email Address": ("email", None, None),
            "Company": ("company", None, None),
            "Position": ("job_title", None, None),
            "Connected On": ("source_created_at", None, None),
        },
    )


def test_suggest_hubspot_contacts_export() -> None:
    columns = [
        "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number",
        "Company Name", "Job Title", "Street Address", "City", "State/Region", "Postal Code",
        "Country/Region", "Create Date", "Lifecycle Stage", "Lead Status", "Contact owner",
        "Last Activity Date", "Original Source", "LinkedIn URL",
    ]  # fmt: skip
    row = [
        "51", "Ann", "Lee", "ann@acme.com", "+1 415 555 0100", "+1 415 555 0101", "Acme",
        "CTO", "1 Market St", "San Francisco", "CA", "94105", "United States",
        "2023-03-15 10:22", "Lead", "New", "Joe Owner", "2024-01-02 08:00", "Offline Sources",
        "https://www.linkedin.com/in/annlee",
    ]  # fmt: skip
    _assert_layout(
        _run(CONTACTS, columns, [row, row]),
        {
            "Record ID": ("external_id", None, None),
            "First Name": ("first_name", None, None),
            "Last Name": ("last_name", None, None),
            "Email": ("email", None, None),
            "Phone Number": ("phones", "Work", None),
            "Mobile Phone Number": ("phones", "Mobile", None),
            "Company Name": ("company", None, None),
            "Job Title": ("job_title", None, None),
            "Street Address": ("address", None, "street"),
            "City": ("address", None, "city"),
            "State/Region": ("address", None, "state"),
            "Postal Code": ("address", None, "zip"),
            "Country/Region": ("address", None, "country"),
            "Create Date": ("source_created_at", None, None),
            "Original Source": ("source", None, None),
            "LinkedIn URL": ("linkedin_url", None, None),
        },
        unmapped=["Lifecycle Stage", "Lead Status", "Contact owner", "Last Activity Date"],
    )


def test_suggest_salesforce_report_layout() -> None:
    columns = [
        "Contact ID", "Salutation", "First Name", "Last Name", "Title", "Account Name",
        "Account ID", "Email", "Phone", "Mobile", "Fax", "Mailing Street", "Mailing City",
        "Mailing State/Province", "Mailing Zip/Postal Code", "Mailing Country", "Lead Source",
        "Created Date", "Contact Owner",
    ]  # fmt: skip
    row = [
        "0035g00000AbCdE", "Ms.", "Ann", "Lee", "VP Sales", "Acme", "0015g00000XyZ",
        "ann@acme.com", "(415) 555-0100", "(415) 555-0111", "(415) 555-0122", "1 Market St",
        "San Francisco", "CA", "94105", "USA", "Web", "3/15/2023", "Joe Owner",
    ]  # fmt: skip
    _assert_layout(
        _run(CONTACTS, columns, [row]),
        {
            "Contact ID": ("external_id", None, None),
            "First Name": ("first_name", None, None),
            "Last Name": ("last_name", None, None),
            "Title": ("job_title", None, None),
            "Account Name": ("company", None, None),
            "Email": ("email", None, None),
            "Phone": ("phones", "Work", None),
            "Mobile": ("phones", "Mobile", None),
            "Fax": ("phones", "Fax", None),
            "Mailing Street": ("address", None, "street"),
            "Mailing City": ("address", None, "city"),
            "Mailing State/Province": ("address", None, "state"),
            "Mailing Zip/Postal Code": ("address", None, "zip"),
            "Mailing Country": ("address", None, "country"),
            "Lead Source": ("source", None, None),
            "Created Date": ("source_created_at", None, None),
        },
        unmapped=["Salutation", "Account ID", "Contact Owner"],
    )


def test_suggest_salesforce_api_names() -> None:
    columns = [
        "Id", "FirstName", "LastName", "Email", "Phone", "MobilePhone", "Title", "AccountId",
        "MailingStreet", "MailingCity", "MailingState", "MailingPostalCode", "MailingCountry",
        "LeadSource", "CreatedDate", "LastModifiedDate", "OwnerId",
    ]  # fmt: skip
    row = [
        "0035g00000AbCdE", "Ann", "Lee", "ann@acme.com", "4155550100", "4155550111", "CTO",
        "0015g00000XyZ", "1 Market St", "San Francisco", "CA", "94105", "US", "Web",
        "2023-03-15T10:22:33.000Z", "2024-01-02T08:00:00.000Z", "0055g00000Own",
    ]  # fmt: skip
    _assert_layout(
        _run(CONTACTS, columns, [row]),
        {
            "Id": ("external_id", None, None),
            "FirstName": ("first_name", None, None),
            "LastName": ("last_name", None, None),
            "Email": ("email", None, None),
            "Phone": ("phones", "Work", None),
            "MobilePhone": ("phones", "Mobile", None),
            "Title": ("job_title", None, None),
            "MailingStreet": ("address", None, "street"),
            "MailingCity": ("address", None, "city"),
            "MailingState": ("address", None, "state"),
            "MailingPostalCode": ("address", None, "zip"),
            "MailingCountry": ("address", None, "country"),
            "LeadSource": ("source", None, None),
            "CreatedDate": ("source_created_at", None, None),
        },
        unmapped=["AccountId", "LastModifiedDate", "OwnerId"],
    )


def test_suggest_mailchimp_audience_export() -> None:
    columns = [
        "Email Address", "First Name", "Last Name", "Address", "Phone Number", "Birthday",
        "Company", "TAGS", "MEMBER_RATING", "OPTIN_TIME", "OPTIN_IP", "CONFIRM_TIME",
        "CONFIRM_IP", "LATITUDE", "LONGITUDE", "GMTOFF", "DSTOFF", "TIMEZONE", "CC", "REGION",
        "LAST_CHANGED", "LEID", "EUID", "NOTES",
    ]  # fmt: skip
    row = [
        "ann@acme.com", "Ann", "Lee", "1 Main St  Springfield  IL  62701  US", "217-555-0100",
        "04/01", "Acme", '"VIP","Newsletter"', "2", "2023-03-15 10:22:33", "192.0.2.1",
        "2023-03-15 10:23:01", "192.0.2.1", "39.78", "-89.65", "-6", "-5", "America/Chicago",
        "US", "IL", "2023-03-15 10:23:01", "123456789", "a1b2c3d4e5", "Met at expo",
    ]  # fmt: skip
    _assert_layout(
        _run(CONTACTS, columns, [row, row]),
        {
            "Email Address": ("email", None, None),
            "First Name": ("first_name", None, None),
            "Last Name": ("last_name", None, None),
            "Address": ("address", None, "street"),
            "Phone Number": ("phones", "Work", None),
            "Company": ("company", None, None),
            "TAGS": ("tags", None, None),
            "OPTIN_TIME": ("source_created_at", None, None),
            "NOTES": ("notes", None, None),
        },
        unmapped=[
            "Birthday",
            "MEMBER_RATING",
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
        ],
    )


def test_suggest_company_exports() -> None:
    hubspot = [
        "Record ID", "Company name", "Company Domain Name", "Website URL", "Phone Number",
        "Industry", "Street Address", "City", "State/Region", "Postal Code", "Country/Region",
        "LinkedIn Company Page", "Create Date", "Company owner", "Annual Revenue", "Type",
    ]  # fmt: skip
    row = [
        "9001", "Acme", "acme.com", "https://www.acme.com", "+1 415 555 0100", "Software",
        "1 Market St", "San Francisco", "CA", "94105", "United States",
        "https://www.linkedin.com/company/acme", "2021-06-01", "Joe", "1000000", "Customer",
    ]  # fmt: skip
    _assert_layout(
        _run(COMPANIES, hubspot, [row]),
        {
            "Record ID": ("external_id", None, None),
            "Company name": ("name", None, None),
            "Company Domain Name": ("domain", None, None),
            "Website URL": ("website", None, None),
            "Phone Number": ("phones", "Work", None),
            "Industry": ("industry", None, None),
            "Street Address": ("address", None, "street"),
            "City": ("address", None, "city"),
            "Postal Code": ("address", None, "zip"),
            "LinkedIn Company Page": ("linkedin_url", None, None),
            "Create Date": ("source_created_at", None, None),
        },
        unmapped=["Company owner", "Annual Revenue", "Type"],
    )
    salesforce = ["Account ID", "Account Name", "Website", "Billing City", "Shipping City",
                  "Sector"]  # fmt: skip
    triples = _triples(_run(COMPANIES, salesforce))
    assert triples == {
        "Account ID": ("external_id", None, None),
        "Account Name": ("name", None, None),
        "Website": ("website", None, None),
        "Billing City": ("address", None, "city"),
        "Shipping City": (None, None, None),
        "Sector": ("industry", None, None),
    }


def test_suggest_group_headers() -> None:
    triples = _triples(_run(GROUPS, ["List ID", "List Name", "Description", "Created"]))
    assert triples == {
        "List ID": ("external_id", None, None),
        "List Name": ("name", None, None),
        "Description": ("description", None, None),
        "Created": (None, None, None),
    }


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Vorname", ("first_name", None, None)),
        ("Nachname", ("last_name", None, None)),
        ("E-Mail-Adresse", ("email", None, None)),
        ("Telefon", ("phones", "Work", None)),
        ("Handy", ("phones", "Mobile", None)),
        ("Mobiltelefon", ("phones", "Mobile", None)),
        ("Telefon privat", ("phones", "Home", None)),
        ("Firma", ("company", None, None)),
        ("Unternehmen", ("company", None, None)),
        ("Straße", ("address", None, "street")),
        ("Strasse", ("address", None, "street")),
        ("PLZ", ("address", None, "zip")),
        ("Postleitzahl", ("address", None, "zip")),
        ("Ort", ("address", None, "city")),
        ("Bundesland", ("address", None, "state")),
        ("Notizen", ("notes", None, None)),
        ("Prénom", ("first_name", None, None)),
        ("Nom de famille", ("last_name", None, None)),
        ("Courriel", ("email", None, None)),
        ("Adresse e-mail", ("email", None, None)),
        ("Téléphone", ("phones", "Work", None)),
        ("Portable", ("phones", "Mobile", None)),
        ("Société", ("company", None, None)),
        ("Fonction", ("job_title", None, None)),
        ("Code postal", ("address", None, "zip")),
        ("Ville", ("address", None, "city")),
        ("Pays", ("address", None, "country")),
        ("Apellido(s)", ("last_name", None, None)),
        ("Correo electrónico", ("email", None, None)),
        ("Móvil", ("phones", "Mobile", None)),
        ("Código postal", ("address", None, "zip")),
        ("Ciudad", ("address", None, "city")),
        ("País", ("address", None, "country")),
        ("Voornaam", ("first_name", None, None)),
        ("E-mailadres", ("email", None, None)),
        ("Cognome", ("last_name", None, None)),
        ("Città", ("address", None, "city")),
        ("Telemóvel", ("phones", "Mobile", None)),
    ],
)
def test_suggest_non_english_headers(header: str, expected: Triple) -> None:
    (suggestion,) = _run(CONTACTS, [header])
    assert (suggestion.target_field, suggestion.value_type, suggestion.address_part) == expected
    assert suggestion.confidence >= 0.6


def test_suggest_german_file_with_values() -> None:
    columns = ["Vorname", "Nachname", "E-Mail-Adresse", "Telefon", "Straße", "PLZ", "Ort", "Land"]
    rows = [
        ["Jörg", "Weiß", "joerg@beispiel.de", "+49 30 1234567", "Hauptstraße 1", "10115",
         "Berlin", "Deutschland"],
        ["Anna", "Groß", "anna@firma.de", "+49 89 7654321", "Ringstr. 5", "80331", "München",
         "Deutschland"],
    ]  # fmt: skip
    triples = _triples(_run(CONTACTS, columns, rows))
    assert triples == {
        "Vorname": ("first_name", None, None),
        "Nachname": ("last_name", None, None),
        "E-Mail-Adresse": ("email", None, None),
        "Telefon": ("phones", "Work", None),
        "Straße": ("address", None, "street"),
        "PLZ": ("address", None, "zip"),
        "Ort": ("address", None, "city"),
        "Land": ("address", None, "country"),
    }


def test_suggest_two_email_columns_become_email_and_additional_emails() -> None:
    columns = ["Work Email", "Personal Email", "Name"]
    rows: list[list[Any]] = [
        ["ann@acme.com", "ann@gmail.com", "Ann Lee"],
        ["bo@acme.com", None, "Bo Ng"],
    ]
    triples = _triples(_run(CONTACTS, columns, rows))
    assert triples["Work Email"] == ("email", None, None)
    assert triples["Personal Email"] == ("additional_emails", None, None)
    assert triples["Name"] == ("display_name", None, None)


def test_suggest_secondary_email_goes_to_additional_emails() -> None:
    triples = _triples(_run(CONTACTS, ["Email", "Secondary Email", "Other Email"]))
    assert triples == {
        "Email": ("email", None, None),
        "Secondary Email": ("additional_emails", None, None),
        "Other Email": ("additional_emails", None, None),
    }


def test_suggest_primary_email_wins_over_a_plain_one() -> None:
    triples = _triples(_run(CONTACTS, ["Email", "Primary Email"]))
    assert triples == {
        "Email": ("additional_emails", None, None),
        "Primary Email": ("email", None, None),
    }


def test_suggest_phone_type_from_values_when_the_header_is_plain() -> None:
    german_mobiles = [["+49 151 23456789"], ["+49 170 1234567"], ["0049 160 9876543"]]
    assert _run(CONTACTS, ["Telefon"], german_mobiles)[0].value_type == "Mobile"
    us_numbers = [["(415) 555-0100"], ["415-555-0101"]]
    assert _run(CONTACTS, ["Telefon"], us_numbers)[0].value_type == "Work"
    assert _run(CONTACTS, ["Column 4"], us_numbers)[0].value_type == "Other"


def test_suggest_detects_emails_from_values_alone() -> None:
    rows = [["a1", "ann@acme.com"], ["a2", "bo@beta.io"], ["a3", "cy@gamma.org"]]
    col3 = _by_column(_run(CONTACTS, ["Col2", "Col3"], rows))["Col3"]
    assert (col3.target_field, col3.value_type, col3.address_part) == ("email", None, None)
    assert col3.confidence >= 0.6


def test_suggest_values_outweigh_a_weak_or_wrong_header() -> None:
    emails = [["ann@acme.com"], ["bo@beta.io"], ["cy@gamma.org"], ["di@delta.net"]]
    kontakt = _run(CONTACTS, ["Kontakt"], emails)[0]
    assert kontakt.target_field == "email"
    assert 0.6 <= kontakt.confidence <= 0.8
    phone = _run(CONTACTS, ["Phone"], emails)[0]
    assert phone.target_field == "email"
    assert phone.confidence < 0.9
    linkedin = [["https://www.linkedin.com/in/ann"], ["linkedin.com/in/bo"]]
    assert _run(CONTACTS, ["Col9"], linkedin)[0].target_field == "linkedin_url"
    phones = [["+1 (415) 555-0100"], ["+44 20 7946 0958"], ["415.555.0199"]]
    unnamed = _run(CONTACTS, ["Column 4"], phones)[0]
    assert unnamed.target_field == "phones"
    assert unnamed.value_type in PHONE_TYPES


def test_suggest_near_misses_need_value_evidence() -> None:
    assert _triples(_run(CONTACTS, ["Emial"])) == {"Emial": ("email", None, None)}
    assert _run(CONTACTS, ["Emial"])[0].confidence < 0.6
    emails = [["ann@acme.com"], ["bo@beta.io"], ["cy@gamma.org"]]
    assert _run(CONTACTS, ["Emial"], emails)[0].confidence >= 0.6
    for header in ["Subscribed", "Last Login", "Lifecycle Stage", "Email Opt Out", "Votes"]:
        (s,) = _run(CONTACTS, [header], [["true"], ["false"]])
        assert s.target_field is None or s.confidence < 0.6, s


def test_suggest_contact_website_is_linkedin_only_with_linkedin_values() -> None:
    sites = [["https://acme.com"], ["www.beta.io"]]
    assert _run(CONTACTS, ["Website"], sites)[0].target_field is None
    assert _run(CONTACTS, ["Website"])[0].target_field is None
    profiles = [["https://www.linkedin.com/in/ann"], ["https://linkedin.com/in/bo"]]
    linkedin = _run(CONTACTS, ["Website"], profiles)[0]
    assert linkedin.target_field == "linkedin_url"
    assert linkedin.confidence >= 0.6


def test_suggest_empty_column_uses_header_evidence_slightly_reduced() -> None:
    filled = _run(CONTACTS, ["Email"], [["ann@acme.com"], ["bo@beta.io"]])[0]
    empty = _run(CONTACTS, ["Email"], [[None], [""]])[0]
    assert empty.target_field == "email"
    assert 0.6 <= empty.confidence < filled.confidence


def test_suggest_name_is_a_display_name_with_moderate_confidence() -> None:
    name = _run(CONTACTS, ["Name", "Email"], [["Ann Lee", "ann@acme.com"]])[0]
    assert name.target_field == "display_name"
    assert 0.6 <= name.confidence < 0.9


ALL_LAYOUTS: list[tuple[ModuleDef, list[str], list[list[Any]]]] = [
    (CONTACTS, OUTLOOK, [OUTLOOK_ROW]),
    (CONTACTS, GOOGLE_NEW, [GOOGLE_NEW_ROW]),
    (CONTACTS, ["Email", "E-mail", "Mail", "Email Address", "Phone", "Phone"], []),
    (COMPANIES, ["Name", "Company", "Website", "URL", "Domain", "Home City", "City"], []),
    (GROUPS, ["Name", "Group", "Title", "ID", "Id"], []),
    (CONTACTS, ["", "???", "Column 1", "x" * 300, "1234", "Ünïcödé ñame"],
     [["", "?", "1", "x", "2", "é"]]),
]  # fmt: skip


@pytest.mark.parametrize(("module", "columns", "rows"), ALL_LAYOUTS)
def test_suggest_one_suggestion_per_column_within_bounds(
    module: ModuleDef, columns: list[str], rows: list[list[Any]]
) -> None:
    suggestions = _run(module, columns, rows)
    assert [s.source_column for s in suggestions] == columns
    for s in suggestions:
        assert 0.0 <= s.confidence <= 1.0
        assert s.confidence == round(s.confidence, 2)
        assert s.target_field is None or module.has_field(s.target_field)
        assert not (s.target_field or "").startswith("attributes.")
        if s.target_field == "address":
            assert s.address_part in ADDRESS_PARTS
        else:
            assert s.address_part is None
        if s.target_field == "phones":
            assert s.value_type in PHONE_TYPES
        elif s.target_field is None:
            assert (s.value_type, s.confidence) == (None, 0.0)
    keys = _single_value_targets(module, suggestions)
    assert len(keys) == len(set(keys)), keys


def test_suggest_as_dict_has_the_preview_shape() -> None:
    (suggestion,) = _run(CONTACTS, ["Mobile Phone"], [["+1 415 555 0100"]])
    assert suggestion.as_dict() == {
        "source_column": "Mobile Phone",
        "target_field": "phones",
        "value_type": "Mobile",
        "address_part": None,
        "confidence": suggestion.confidence,
    }


def test_suggest_tolerates_a_sample_without_the_column() -> None:
    suggestions = suggest_mapping(CONTACTS, ["Email", "Phone"], pd.DataFrame())
    assert [s.target_field for s in suggestions] == ["email", "phones"]


def test_suggest_normalize_header_folds_case_accents_and_punctuation() -> None:
    assert normalize_header("E-Mail-Adresse") == "email adresse"
    assert normalize_header("Straße") == "strasse"
    assert normalize_header("  Prénom__ ") == "prenom"
    assert normalize_header("MailingPostalCode") == "mailing postal code"
    assert normalize_header("LinkedIn URL") == "linkedin url"
    assert normalize_header("Address1") == "address 1"


def test_suggest_runs_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("suggest_mapping must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    suggestions = _run(CONTACTS, OUTLOOK, [OUTLOOK_ROW])
    assert _by_column(suggestions)["E-mail Address"].target_field == "email"
