"""PDF exports read back with pypdf: title and description, the header on every page, page
numbers, wrapped long values, landscape for many columns, empty results."""

from __future__ import annotations

from typing import Any

import pypdf

from tests.integration.export_data import export, local_path

LONG_NOTE = " ".join(f"word{i:03d}" for i in range(120)) + " " + "x" * 150


def many_contacts(count: int) -> str:
    lines = ["Email,First Name,Last Name,Job Title,Notes"]
    for i in range(count):
        lines.append(f"person{i:03d}@example.com,Person,Number {i:03d},Engineer,")
    lines.append(f"long@example.com,Long,Note,Writer,{LONG_NOTE}")
    return "\n".join(lines) + "\n"


def pages(result: dict[str, Any]) -> list[pypdf.PageObject]:
    return list(pypdf.PdfReader(local_path(result["file"])).pages)


def test_export_pdf_header_on_every_page_and_page_numbers(cli: Any, imp: Any) -> None:
    imp(many_contacts(150))
    result = export(
        cli,
        "--format",
        "pdf",
        "--columns",
        "email,display_name,job_title,notes",
        "--option",
        "title=Engineering contacts",
        "--option",
        "description=Everyone in engineering, for the offsite.",
    )
    assert result["content_type"] == "application/pdf" and result["row_count"] == 151
    document = pages(result)
    total = len(document)
    assert total >= 4
    texts = [page.extract_text() for page in document]
    assert "Engineering contacts" in texts[0]
    assert "Everyone in engineering, for the offsite." in texts[0]
    for number, text in enumerate(texts, start=1):
        assert "Display name" in text and "Job title" in text, f"page {number}"
        assert f"Page {number} of {total}" in text
    assert all(page.mediabox.width < page.mediabox.height for page in document)
    joined = "".join("".join(texts).split())
    assert "".join(LONG_NOTE.split()) in joined
    assert "person000@example.com" in joined and "person149@example.com" in joined


def test_export_pdf_landscape_for_many_columns(cli: Any, imp: Any) -> None:
    imp("Email,First Name,Last Name,Job Title\nann@example.com,Ann,Lee,CEO\n")
    wide = export(
        cli,
        "--format",
        "pdf",
        "--columns",
        "email,first_name,last_name,display_name,job_title,tags,created_at",
    )
    page = pages(wide)[0]
    assert page.mediabox.width > page.mediabox.height
    text = page.extract_text()
    assert "Contacts — acme" in text and "ann@example.com" in text and "Created at" in text
    letter = export(
        cli, "--format", "pdf", "--option", "page_size=letter", "--option", "orientation=landscape"
    )
    box = pages(letter)[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (792, 612)


def test_export_pdf_empty_result(cli: Any, imp: Any) -> None:
    imp("Email\nann@example.com\n")
    result = export(cli, "--format", "pdf", "--search", "nobody")
    assert result["row_count"] == 0
    (page,) = pages(result)
    text = page.extract_text()
    assert "No records match this export." in text and "Display name" in text
    assert "Page 1 of 1" in text
