"""Suggest a column mapping from header names and sample values (offline, no model)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

import pandas as pd
import phonenumbers
from rapidfuzz.distance import OSA

from schemas.modules import ADDRESS_PARTS, PHONE_TYPES, DataType, ModuleDef

# Scoring constants (see suggest_mapping: a header synonym is worth 0.95, values move it).
_EXACT = 0.95
_EMPTY_FACTOR = 0.9  # a column with no sample values has header evidence only
_FLOOR = 0.35  # below this a candidate is no suggestion at all
_MAX_CONFIDENCE = 0.99


@dataclass(frozen=True)
class Suggestion:
    """Where one source column should go, and how sure the suggestion is (0..1)."""

    source_column: str
    target_field: str | None
    value_type: str | None
    address_part: str | None
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_column": self.source_column,
            "target_field": self.target_field,
            "value_type": self.value_type,
            "address_part": self.address_part,
            "confidence": self.confidence,
        }


# --------------------------------------------------------------------------- synonyms


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class _Syn(NamedTuple):
    """Header names (`|`-separated) for a target (`field` or `address.<part>`)."""

    target: str
    weight: float
    names: str
    gated: bool = False  # only a candidate when the sample values support it


_EXTERNAL_ID = (
    _Syn(
        "external_id",
        _EXACT,
        "external id|record id|contact id|customer id|client id|crm id|hubspot id|"
        "salesforce id|sfdc id|member id|subscriber id|person id|lead id|object id|unique id|"
        "legacy id|source id|kundennummer|kunden nr|kundennr|kunden id|kontakt id|"
        "customer number|customer no|client number|member number|identifiant|id externe|"
        "identificador|numero de cliente|klantnummer|codice cliente",
    ),
    _Syn("external_id", 0.9, "id|uid|uuid|guid|record"),
)
_PHONES = (
    _Syn(
        "phones",
        _EXACT,
        "phone|phones|phone number|phone numbers|telephone|telephone number|tel|tel no|"
        "phone no|phone nr|telephone no|tel number|telefon|telefonnummer|tel nr|rufnummer|telefono|"
        "numero de telephone|numero de telefono|telefoon|telefoonnummer|telefone|"
        "numero di telefono|mobile|mobile phone|mobile number|mobile phone number|mobile no|"
        "cell|cell phone|cellphone|cell number|handy|handynummer|mobiltelefon|mobilnummer|"
        "mobilfunk|mobilfunknummer|portable|telephone portable|numero de portable|movil|"
        "telefono movil|celular|cellulare|mobiel|mobiel nummer|mobiele telefoon|telemovel|"
        "fax|fax number|telefax|faxnummer|business phone|work phone|office phone|home phone|"
        "other phone|direct phone|direct dial|durchwahl|landline|festnetz|company phone|"
        "company main phone|main phone|primary phone|telephone fixe",
    ),
    _Syn(
        "phones",
        0.8,
        "pager|car phone|assistant phone|assistants phone|callback|radio phone|tty tdd phone|isdn",
    ),
)
_ADDRESS = (
    _Syn(
        "address.street",
        _EXACT,
        "street|street address|address line 1|address 1|street 1|street line 1|strasse|"
        "strasse und hausnummer|strasse hausnummer|strasse und hausnr|rue|adresse ligne 1|"
        "calle|straat|straatnaam|rua|address street",
    ),
    _Syn(
        "address.street",
        0.7,
        "address|adresse|direccion|indirizzo|endereco|adres|anschrift|postal address|"
        "mailing address|street and number",
    ),
    _Syn("address.street", 0.55, "address formatted|formatted address|full address"),
    _Syn(
        "address.street2",
        0.9,
        "street 2|address line 2|address 2|street line 2|extended address|address extended|"
        "adresszusatz|complement d adresse|complement adresse|adresse ligne 2|suite|"
        "apartment|apt|unit",
    ),
    _Syn(
        "address.street2",
        0.55,
        "po box|pobox|post office box|postfach|boite postale|apartado postal|address po box",
    ),
    _Syn(
        "address.city",
        _EXACT,
        "city|town|locality|ort|stadt|wohnort|ville|ciudad|localidad|plaats|woonplaats|"
        "citta|cidade|municipality|city town|address city",
    ),
    _Syn(
        "address.state",
        _EXACT,
        "state|province|state province|state region|state or province|bundesland|"
        "provincia|estado|provincie|kanton|canton|address state|address region",
    ),
    _Syn("address.state", 0.7, "region|county|regio|departement"),
    _Syn(
        "address.zip",
        _EXACT,
        "zip|zip code|zipcode|postal code|postcode|post code|zip postal code|postal zip code|"
        "zip postal|plz|postleitzahl|code postal|cp|codigo postal|cap|codice postale|cep|"
        "postnummer|address zip|address postal code",
    ),
    _Syn(
        "address.country",
        _EXACT,
        "country|country region|country name|land|land region|pays|pais|paese|nazione|"
        "nation|address country",
    ),
    _Syn("address.country", 0.8, "country code|landcode|code pays"),
)
_LINKEDIN = (
    _Syn(
        "linkedin_url",
        _EXACT,
        "linkedin|linkedin url|linkedin profile|linkedin profile url|linkedin link|"
        "linkedin page|linkedin address|linkedin profil|profil linkedin|perfil de linkedin|"
        "linkedin public profile url|linkedin company page|company linkedin|linkedin company",
    ),
)
_CREATED = (
    _Syn(
        "source_created_at",
        _EXACT,
        "created|created at|created date|create date|created on|date created|creation date|"
        "created time|creation time|date added|added on|added|date joined|signup date|"
        "sign up date|subscription date|subscribed on|connected on|optin time|opt in time|"
        "opt in date|member since|customer since|first seen|record created|erstellt|"
        "erstellt am|erstelldatum|angelegt am|anlagedatum|date de creation|cree le|"
        "fecha de creacion|fecha de alta|aangemaakt|aangemaakt op|data di creazione|"
        "data de criacao",
    ),
    _Syn("source_created_at", 0.6, "confirm time|timestamp signup|timestamp opt"),
    _Syn("source_created_at", 0.5, "date|datum|fecha|data|timestamp"),
)
_WEBSITE_NAMES = (
    "website|web site|web page|webpage|homepage|home page|website url|web|site|webseite|"
    "internetseite|site web|site internet|sitio web|pagina web|web address|www|url|"
    "company website"
)

_CONTACTS: tuple[_Syn, ...] = (
    *_EXTERNAL_ID,
    _Syn(
        "first_name",
        _EXACT,
        "first name|firstname|first|given name|forename|fname|vorname|prenom|nombre de pila|"
        "voornaam|primeiro nome|christian name|name first",
    ),
    _Syn("first_name", 0.8, "nombre|nome"),
    _Syn(
        "last_name",
        _EXACT,
        "last name|lastname|last|surname|family name|lname|nachname|familienname|"
        "nom de famille|apellido|apellidos|achternaam|cognome|sobrenome|apelido|name last",
    ),
    _Syn("last_name", 0.75, "nom"),
    _Syn(
        "display_name",
        _EXACT,
        "full name|fullname|display name|contact name|complete name|vollstandiger name|"
        "voller name|anzeigename|nom complet|nombre completo|volledige naam|nome completo|"
        "person name|contact full name|contact person|ansprechpartner|personne de contact|"
        "persona de contacto|contactpersoon",
    ),
    _Syn("display_name", 0.7, "name|naam"),
    _Syn("display_name", 0.5, "contact|kontakt|person"),
    _Syn(
        "email",
        _EXACT,
        "email|email address|emails|email addresses|courriel|adresse email|adresse courriel|"
        "adresse electronique|adresse mail|mail adresse|email adresse|correo|"
        "correo electronico|direccion de correo|direccion de correo electronico|email adres|"
        "indirizzo email|posta elettronica|endereco de email|endereco email",
    ),
    _Syn("email", 0.9, "mail"),
    _Syn(
        "additional_emails",
        0.9,
        "additional emails|additional email|other email|other emails|secondary email|"
        "alternate email|alternative email|email 2|second email|weitere email|autre email|"
        "otro correo",
    ),
    *_PHONES,
    _Syn(
        "company",
        _EXACT,
        "company|company name|organization|organisation|organization name|organisation name|"
        "account name|employer|business name|firma|firmenname|unternehmen|arbeitgeber|"
        "entreprise|societe|nom de l entreprise|nom de la societe|empresa|"
        "nombre de la empresa|compania|bedrijf|bedrijfsnaam|organisatie|azienda|societa|"
        "nome azienda|associated company",
    ),
    _Syn("company", 0.8, "account|firm|org"),
    _Syn(
        "job_title",
        _EXACT,
        "job title|jobtitle|organization title|job position|job role|berufsbezeichnung|"
        "jobtitel|intitule du poste|titre du poste|puesto de trabajo|functietitel",
    ),
    _Syn(
        "job_title",
        0.85,
        "position|funktion|poste|fonction|cargo|puesto|functie|ruolo|qualifica|mansione|"
        "profissao|beruf",
    ),
    _Syn("job_title", 0.8, "role|job|occupation|designation"),
    _Syn("job_title", 0.68, "title|titre"),
    *_ADDRESS,
    *_LINKEDIN,
    _Syn("linkedin_url", 0.6, "url|profile url|profile|public profile url|linkedin bio", True),
    _Syn("linkedin_url", 0.45, _WEBSITE_NAMES, True),
    _Syn(
        "tags",
        _EXACT,
        "tags|tag|labels|label|categories|category|keywords|schlagworte|schlagwort|"
        "kategorien|kategorie|stichworte|etiquettes|etiquette|etiquetas|etiqueta|categorias",
    ),
    _Syn("tags", 0.8, "interests|topics"),
    _Syn(
        "groups",
        _EXACT,
        "groups|group|group membership|lists|list|segments|segment|audience|audiences|"
        "mailing list|mailing lists|distribution list|list membership|gruppen|gruppe|"
        "verteiler|groupes|groupe|grupos|grupo|listas|lista|groepen|groep|gruppi",
    ),
    _Syn(
        "notes",
        _EXACT,
        "notes|note|comments|comment|description|remarks|memo|notizen|notiz|bemerkungen|"
        "bemerkung|kommentar|kommentare|anmerkungen|anmerkung|beschreibung|commentaires|"
        "commentaire|remarques|remarque|notas|nota|comentarios|observaciones|opmerkingen|"
        "opmerking|notities|commenti|observacoes",
    ),
    _Syn("notes", 0.7, "about|bio"),
    _Syn(
        "source",
        _EXACT,
        "source|lead source|contact source|original source|origin|quelle|herkunft|"
        "leadquelle|lead quelle|origine|fuente|origen|bron|fonte|acquisition source|"
        "referral source",
    ),
    _Syn("source", 0.7, "channel|utm source"),
    *_CREATED,
)

_COMPANIES: tuple[_Syn, ...] = (
    *_EXTERNAL_ID,
    _Syn(
        "name",
        _EXACT,
        "name|company|company name|account name|organization|organisation|"
        "organization name|organisation name|business name|firma|firmenname|unternehmen|"
        "entreprise|societe|nom|nom de l entreprise|empresa|nombre|nombre de la empresa|"
        "compania|bedrijf|bedrijfsnaam|organisatie|azienda|societa|nome",
    ),
    _Syn("name", 0.8, "account|firm|org|naam"),
    _Syn(
        "domain",
        _EXACT,
        "domain|company domain|company domain name|website domain|domain name|email domain|"
        "web domain|domaine|dominio|domein",
    ),
    _Syn("website", _EXACT, _WEBSITE_NAMES + "|website url"),
    *_PHONES,
    _Syn(
        "industry",
        _EXACT,
        "industry|sector|branche|industrie|vertical|secteur|secteur d activite|industria|"
        "settore|sector de actividad|industry sector",
    ),
    *_ADDRESS,
    *_LINKEDIN,
    *_CREATED,
)

_GROUPS: tuple[_Syn, ...] = (
    *_EXTERNAL_ID,
    _Syn(
        "name",
        _EXACT,
        "name|group name|group|list name|list|segment|segment name|audience|audience name|"
        "gruppe|gruppenname|nom du groupe|groupe|nombre del grupo|grupo|tag name",
    ),
    _Syn("name", 0.6, "title|label|tag"),
    _Syn(
        "description",
        _EXACT,
        "description|details|notes|about|beschreibung|summary|purpose|comment|comments|"
        "descripcion|descrizione|omschrijving",
    ),
)

_TABLES: dict[str, tuple[_Syn, ...]] = {
    "contacts": _CONTACTS,
    "companies": _COMPANIES,
    "groups": _GROUPS,
}

# Headers that are known not to be a field (checked after exact synonyms).
_NOISE_PHRASES = (
    "middle name|middle|additional name|second name|name prefix|name suffix|prefix|suffix|"
    "salutation|anrede|titel|civilite|tratamiento|nickname|spitzname|surnom|apodo|file as|"
    "initials|maiden name|short name|yomi name|birthday|birth date|birthdate|date of birth|"
    "dob|geburtstag|geburtsdatum|anniversaire|date de naissance|cumpleanos|"
    "fecha de nacimiento|anniversary|jahrestag|gender|geschlecht|sexe|genero|photo|picture|"
    "avatar|hobby|mileage|sensitivity|priority|subject|language|sprache|directory server|"
    "location|office location|children|spouse|referred by|user|internet free busy|private|"
    "billing information|email display name|email angezeigter name|weitere vornamen|"
    "deuxieme prenom|segundo nombre|leid|euid|cc|gmtoff|dstoff|timezone|time zone|"
    "last changed|last modified|last activity|last activity date|original source drill down|"
    "service|telex|hausnummer|house number|event|relation|custom field|im|"
    "external id type"
)
_VETO_TOKENS = _words(
    "middle phonetic yomi prefix suffix nickname birthday geburtstag anniversary department "
    "abteilung gender latitude longitude timezone owner ip rating status stage modified "
    "changed updated unsub unsubscribe unsubscribed campaign clean revenue employees score "
    "type assistant assistants manager managers spouse children referred hobby salutation "
    "initials password gdpr consent opt optout bounce bounced verified sensitivity priority "
    "angezeigter"
)
_MAILCHIMP_SIGNATURE = frozenset(
    {"memberrating", "optintime", "confirmtime", "leid", "euid", "gmtoff"}
)
_MAILCHIMP_NOISE = frozenset({"region", "cc"})  # geo-IP columns, not the postal address

# Header words that qualify a field (type or address group) rather than name it.
_QUALIFIERS: dict[str, str] = {
    **dict.fromkeys(
        _words(
            "business work office geschaftlich geschaeftlich dienstlich buro buero travail "
            "professionnel professionnelle pro trabajo oficina lavoro ufficio werk zakelijk "
            "bureau direct"
        ),
        "work",
    ),
    **dict.fromkeys(
        _words(
            "home private privat personal personlich domicile perso personnel personnelle prive "
            "privee casa particular personale thuis priv"
        ),
        "home",
    ),
    **dict.fromkeys(
        _words(
            "other alternate alternative secondary additional weitere weiteres weiterer andere "
            "anderes autre otro otra altro altra overig overige second"
        ),
        "other",
    ),
    **dict.fromkeys(_words("primary main default preferred principal haupt principale"), "primary"),
    "mailing": "mailing",
    **dict.fromkeys(
        _words("billing invoice invoicing rechnung rechnungs facturation facturacion"), "billing"
    ),
    **dict.fromkeys(_words("shipping delivery lieferung liefer livraison envio"), "shipping"),
    **dict.fromkeys(
        _words("mobile mobil cell cellular handy portable movil celular cellulare mobiel gsm"),
        "mobile",
    ),
}
_FILLER = _words("contact the your of de du des la le del der die das van di da do")
_MOBILE_PARTS = ("mobil", "handy", "cell", "movil", "celular", "portable", "mobiel", "telemovel")
_OTHER_PHONE_WORDS = _words("pager car callback radio tty tdd isdn assistant assistants")
_NOT_INSIDE = frozenset({"first", "created", "added", "origin"})  # too generic inside a header
_ID_TOKENS = frozenset({"id", "uuid", "guid", "identifier"})
_SELF_WORDS: dict[str, frozenset[str]] = {
    "": _words(
        "contact record customer client person lead member user subscriber external ext crm "
        "object hubspot hub spot salesforce sfdc kunden kunde kontakt unique source import "
        "system legacy original externe externo people"
    ),
    "companies": _words(
        "company account organization organisation org firm business unternehmen firmen"
    ),
    "groups": _words("group list segment audience tag gruppe gruppen"),
}
_ADDRESS_GROUP_RANK: dict[str, int] = {
    "": 0,
    "primary": 0,
    "mailing": 1,
    "work": 2,
    "billing": 3,
    "home": 4,
    "shipping": 5,
    "other": 6,
}
_NEUTRAL_GROUP = (0, 0)
_GOOGLE_RE = re.compile(
    r"(?P<kind>[a-z ]+?) (?P<n>\d+) (?P<attr>value|label|type|formatted|street|city|po box|"
    r"region|postal code|country|extended address|neighborhood|name|title|department|"
    r"yomi name|symbol|location|job description)"
)
_GOOGLE_ADDRESS: dict[str, tuple[str, float]] = {
    "street": ("street", _EXACT),
    "city": ("city", _EXACT),
    "region": ("state", _EXACT),
    "postal code": ("zip", _EXACT),
    "country": ("country", _EXACT),
    "extended address": ("street2", 0.9),
    "po box": ("street2", 0.55),
    "formatted": ("street", 0.55),
}

# --------------------------------------------------------------------------- header text


def normalize_header(header: str) -> str:
    """A header as lower-case words without accents or punctuation ("E-Mail-Adresse" ->
    "email adresse", "MailingPostalCode" -> "mailing postal code", "Straße" -> "strasse")."""
    text = str(header).replace("ß", "ss").replace("ẞ", "SS")
    text = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"[\W_]+", " ", text)
    text = re.sub(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])", " ", text)
    words = text.split()
    merged: list[str] = []
    for word in words:
        if merged and merged[-1] == "e" and word in ("mail", "mails"):
            merged[-1] = "e" + word
        elif merged and merged[-1] == "linked" and word == "in":
            merged[-1] = "linkedin"
        else:
            merged.append(word)
    return " ".join(merged)


def _compact(tokens: Iterable[str]) -> str:
    return "".join(tokens)


@dataclass(frozen=True)
class _Entry:
    target: str
    weight: float
    gated: bool
    tokens: tuple[str, ...]
    compact: str


@dataclass(frozen=True)
class _Index:
    exact: dict[str, list[_Entry]]
    entries: tuple[_Entry, ...]
    noise: frozenset[str]
    self_words: frozenset[str]
    has_address: bool
    has_external_id: bool


@lru_cache(maxsize=16)
def _index(slug: str, fields: tuple[str, ...]) -> _Index:
    table = _TABLES.get(slug) or (_CONTACTS + _COMPANIES + _GROUPS)
    exact: dict[str, list[_Entry]] = {}
    entries: list[_Entry] = []
    for syn in table:
        if syn.target.split(".")[0] not in fields:
            continue
        for name in syn.names.split("|"):
            tokens = tuple(normalize_header(name).split())
            entry = _Entry(syn.target, syn.weight, syn.gated, tokens, _compact(tokens))
            bucket = exact.setdefault(entry.compact, [])
            same = [e for e in bucket if e.target == entry.target]
            if same and same[0].weight >= entry.weight:
                continue
            for e in same:
                bucket.remove(e)
                entries.remove(e)
            bucket.append(entry)
            entries.append(entry)
    noise = frozenset(_compact(normalize_header(n).split()) for n in _NOISE_PHRASES.split("|"))
    self_words = _SELF_WORDS[""] | _SELF_WORDS.get(slug, frozenset())
    return _Index(
        exact, tuple(entries), noise, self_words, "address" in fields, "external_id" in fields
    )


@dataclass
class _Header:
    """What the header of one column says."""

    column: str
    tokens: tuple[str, ...]
    qualifiers: frozenset[str] = frozenset()
    index: int | None = None
    google_kind: str | None = None
    label_of: tuple[str, int] | None = None  # a Google "<kind> N - Label/Type" column
    noise: bool = False
    hits: dict[str, tuple[float, bool]] = field(default_factory=dict)


def _add_hit(hits: dict[str, tuple[float, bool]], target: str, score: float, gated: bool) -> None:
    if score > hits.get(target, (0.0, False))[0]:
        hits[target] = (score, gated)


def _analyze_header(column: str, index: _Index, extra_noise: frozenset[str]) -> _Header:
    tokens = tuple(normalize_header(column).split())
    header = _Header(column, tokens)
    google = _GOOGLE_RE.fullmatch(" ".join(tokens))
    if google:
        kind, attr, n = google["kind"], google["attr"], int(google["n"])
        header.index = n
        header.google_kind = _compact(kind.split())
        if attr in ("label", "type"):
            header.label_of = (header.google_kind, n)
            header.noise = True
            return header
        if header.google_kind == "address":
            if attr in _GOOGLE_ADDRESS and index.has_address:
                part, weight = _GOOGLE_ADDRESS[attr]
                header.hits[f"address.{part}"] = (weight - _index_penalty(n), False)
            else:
                header.noise = True
            return header
        tokens = tuple(kind.split()) + (() if attr == "value" else tuple(attr.split()))
        header.tokens = tokens
    header.qualifiers = frozenset(_QUALIFIERS[t] for t in tokens if t in _QUALIFIERS)
    digits = [int(t) for t in tokens if t.isdigit()]
    if header.index is None and digits:
        header.index = digits[-1]
    _match_header(header, tokens, index, extra_noise)
    return header


def _index_penalty(n: int | None) -> float:
    if n is None:
        return 0.0
    return 0.01 if n <= 1 else 0.03


def _forms(tokens: tuple[str, ...], google_n: int | None) -> list[tuple[tuple[str, ...], float]]:
    """The header and its stripped variants (qualifiers, filler words, index) with a penalty."""
    stripped = tuple(t for t in tokens if t not in _QUALIFIERS and t not in _FILLER)
    primary = sum(1 for t in tokens if _QUALIFIERS.get(t) == "primary")
    strip_penalty = min(0.06, 0.02 * (len(tokens) - len(stripped) - 2 * primary))
    base_penalty = _index_penalty(google_n)
    forms: dict[tuple[str, ...], float] = {}

    def add(form: tuple[str, ...], penalty: float) -> None:
        if form and penalty < forms.get(form, 1.0):
            forms[form] = penalty

    add(tokens, base_penalty)
    add(stripped, base_penalty + strip_penalty)
    digits = [int(t) for t in tokens if t.isdigit()]
    if digits:
        index_penalty = _index_penalty(digits[-1])
        add(tuple(t for t in tokens if not t.isdigit()), base_penalty + index_penalty)
        add(
            tuple(t for t in stripped if not t.isdigit()),
            base_penalty + strip_penalty + index_penalty,
        )
    return sorted(forms.items(), key=lambda item: item[1])


def _match_header(
    header: _Header, tokens: tuple[str, ...], index: _Index, extra_noise: frozenset[str]
) -> None:
    """Exact synonyms first; then identifiers and known noise; then stripped and near forms."""
    full = _compact(tokens)
    if full in extra_noise:
        header.noise = True
        return
    hits = header.hits
    google_n = header.index if header.google_kind else None
    for entry in index.exact.get(full, []):
        _add_hit(hits, entry.target, entry.weight - _index_penalty(google_n), entry.gated)
    forms = _forms(tokens, google_n)
    if not hits:
        if _ID_TOKENS & set(tokens):
            rest = [t for t in tokens if t not in _ID_TOKENS and not t.isdigit()]
            if all(t in index.self_words for t in rest) and index.has_external_id:
                hits["external_id"] = (0.9 if rest else _EXACT, False)
            else:
                header.noise = True
            return
        if _VETO_TOKENS & set(tokens) or any(_compact(f) in index.noise for f, _ in forms):
            header.noise = True
            return
    digits = [int(t) for t in tokens if t.isdigit()]
    for form, penalty in forms:
        if form == tokens:
            continue
        for entry in index.exact.get(_compact(form), []):
            target = _indexed_target(entry.target, digits, entry)
            if target:
                _add_hit(hits, target, entry.weight - penalty, entry.gated)
    if not hits:
        _split_hits(header, index)
    if not hits:
        _fuzzy_hits(header, [f for f, _ in forms], index)


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _indexed_target(target: str, digits: list[int], entry: _Entry) -> str | None:
    """A numbered street ("Street 2", "Address Line 2") is street2, and from 3 on nothing."""
    if target != "address.street" or not digits or _has_digit(entry.compact):
        return target
    return {1: target, 2: "address.street2"}.get(digits[-1])


def _split_hits(header: _Header, index: _Index) -> None:
    """Parts of a slashed header ("Notes/Comments", "Straße/Hausnr.") that name one target."""
    if "/" not in header.column:
        return
    found: dict[str, _Entry] = {}
    for part in header.column.split("/"):
        for entry in index.exact.get(_compact(normalize_header(part).split()), []):
            if entry.weight > (found[entry.target].weight if entry.target in found else 0.0):
                found[entry.target] = entry
    if len(found) == 1:
        (entry,) = found.values()
        _add_hit(header.hits, entry.target, entry.weight - 0.05, entry.gated)


def _fuzzy_hits(header: _Header, forms: list[tuple[str, ...]], index: _Index) -> None:
    """Near matches, scored below exact ones: reordered words; a typo (one edit, two in long
    names), which needs value evidence to reach 0.6; a strong synonym inside a longer header."""
    digits = [int(t) for t in header.tokens if t.isdigit()]
    for form in forms:
        compact = _compact(form)
        words = set(form)
        for entry in index.entries:
            score = 0.0
            if sorted(form) == sorted(entry.tokens):
                score = entry.weight * 0.85
            elif min(len(compact), len(entry.compact)) >= 5 and not _has_digit(
                compact + entry.compact
            ):
                allowed = 2 if min(len(compact), len(entry.compact)) >= 12 else 1
                distance = OSA.distance(compact, entry.compact, score_cutoff=allowed)
                if distance <= allowed:
                    score = entry.weight * (0.6 - 0.1 * (distance - 1))
            strong = (
                entry.weight >= 0.9 and len(entry.compact) >= 5 and entry.compact not in _NOT_INSIDE
            )
            inside = set(entry.tokens) < words or (
                entry.compact in compact and entry.compact != compact
            )
            if strong and inside:
                coverage = len(entry.compact) / len(compact)
                score = max(score, entry.weight * (0.4 + 0.4 * coverage))
            target = _indexed_target(entry.target, digits, entry)
            if score and target:
                _add_hit(header.hits, target, score, entry.gated)


# --------------------------------------------------------------------------- values

_EMAIL_RE = re.compile(r"[^@\s<>(),;:\"]+@[^@\s<>(),;:\"]+\.[^\W\d_]{2,}")
_LINKEDIN_RE = re.compile(
    r"(https?://)?([\w-]+\.)?linkedin\.com/(in|pub|company|school|profile)(/\S*)?", re.I
)
_URL_RE = re.compile(r"(https?://|www\.)\S+|[\w-]+(\.[\w-]+)*\.[a-z]{2,24}/\S*", re.I)
_DOMAIN_RE = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}", re.I)
_PHONE_RE = re.compile(r"\+?[\d\s().\-/]{6,}((ext\.?|x|#)\s*\d{1,6})?", re.I)
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_TIME = r"([ t,]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([ap]\.?m\.?)?\s*(z|utc|gmt|[+-]\d{2}:?\d{2})?)?"
_DATE_RE = re.compile(
    rf"(\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}|"
    rf"\d{{1,2}}\.?\s+{_MONTH},?\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}}|"
    rf"\d{{4}}-\d{{2}}-\d{{2}}t\d{{2}}:\d{{2}}(:\d{{2}}(\.\d+)?)?(z|[+-]\d{{2}}:?\d{{2}})?){_TIME}",
    re.I,
)
_POSTCODE_RE = re.compile(
    r"\d{5}(-\d{4})?|[a-z]{1,2}\d[a-z\d]? ?\d[a-z]{2}|[a-z]\d[a-z] ?\d[a-z]\d|\d{4} ?[a-z]{2}",
    re.I,
)
_NUMBER_RE = re.compile(r"[-+]?\d+([.,]\d+)?")
_SALUTATIONS = _words(
    "mr mrs ms miss mx dr prof sir madam herr frau hr fr mme mlle monsieur madame sr sra srta "
    "don dona sig sigra dhr mevr"
)


def _kinds(value: str) -> frozenset[str]:
    """What one sample value looks like (a value can look like several things)."""
    text = value.split(":::")[0].strip()
    text = re.sub(r"^(\d+)\.0$", r"\1", text)
    lowered = text.casefold()
    kinds: set[str] = set()
    if _EMAIL_RE.fullmatch(text):
        return frozenset({"email"})
    if _LINKEDIN_RE.fullmatch(text):
        return frozenset({"linkedin", "url"})
    if _URL_RE.fullmatch(text):
        kinds.update({"url", "weburl"})
    elif _DOMAIN_RE.fullmatch(text):
        kinds.add("domain")
    if _DATE_RE.fullmatch(text):
        kinds.add("date")
    else:
        number = _phone_number(text)
        if number is not None:
            kinds.add("phone")
            if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
                kinds.add("mobile")
    if _POSTCODE_RE.fullmatch(text):
        kinds.add("postcode")
    if _NUMBER_RE.fullmatch(text):
        kinds.add("number")
    if lowered.replace(".", "").strip() in _SALUTATIONS:
        kinds.add("salutation")
    return frozenset(kinds)


def _phone_number(text: str) -> phonenumbers.PhoneNumber | None:
    """A possible phone number (region US unless it starts with + or 00), else None."""
    if not _PHONE_RE.fullmatch(text) or not 7 <= sum(ch.isdigit() for ch in text) <= 15:
        return None
    candidate = "+" + text[2:] if text.startswith("00") else text
    region = None if candidate.startswith("+") else "US"
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


@dataclass(frozen=True)
class _Profile:
    """The kinds of the non-empty sample values of one column."""

    values: tuple[str, ...]
    kinds: tuple[frozenset[str], ...]

    @property
    def count(self) -> int:
        return len(self.values)

    @property
    def reliability(self) -> float:
        return self.count / (self.count + 1)

    def share(self, kinds: Iterable[str]) -> float:
        wanted = frozenset(kinds)
        if not self.kinds or not wanted:
            return 0.0
        return sum(1 for k in self.kinds if k & wanted) / len(self.kinds)

    def mobile_share(self) -> float:
        phones = self.share({"phone"})
        return self.share({"mobile"}) / phones if phones else 0.0


def _profile(sample: pd.DataFrame, column: Any) -> _Profile:
    if column not in sample.columns:
        return _Profile((), ())
    series = sample[column]
    if isinstance(series, pd.DataFrame):
        series = series.iloc[:, 0]
    values: list[str] = []
    for value in series.tolist():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            continue
        text = str(value).strip()
        if text:
            values.append(text)
    seen: dict[str, frozenset[str]] = {}
    for text in values:
        if text not in seen:
            seen[text] = _kinds(text)
    return _Profile(tuple(values), tuple(seen[v] for v in values))


_TEXT_CONFLICTS = frozenset({"email", "phone", "weburl", "linkedin", "date"})
_SUPPORT: dict[str, frozenset[str]] = {
    "email": frozenset({"email"}),
    "additional_emails": frozenset({"email"}),
    "phones": frozenset({"phone"}),
    "linkedin_url": frozenset({"linkedin"}),
    "website": frozenset({"weburl", "domain"}),
    "domain": frozenset({"domain", "weburl"}),
    "source_created_at": frozenset({"date"}),
    "address.zip": frozenset({"postcode", "number"}),
}
_CONFLICTS: dict[str, frozenset[str]] = {
    "email": frozenset({"phone", "url", "domain", "date"}),
    "additional_emails": frozenset({"phone", "url", "domain", "date"}),
    "phones": frozenset({"email", "url", "domain", "date"}),
    "linkedin_url": frozenset({"email", "phone", "weburl", "date", "domain"}),
    "website": frozenset({"email", "phone", "date", "linkedin"}),
    "domain": frozenset({"email", "phone", "date", "linkedin"}),
    "source_created_at": frozenset({"email", "phone", "url", "domain"}),
    "address.zip": frozenset({"email", "url", "date", "phone"}),
    "external_id": frozenset(),
    "notes": frozenset(),
    "description": frozenset(),
    "company": frozenset({"email", "phone", "date", "linkedin"}),
    "name": frozenset({"email", "phone", "date", "linkedin"}),
    "first_name": _TEXT_CONFLICTS | {"salutation"},
    "last_name": _TEXT_CONFLICTS | {"salutation"},
    "display_name": _TEXT_CONFLICTS | {"salutation"},
    "job_title": _TEXT_CONFLICTS | {"salutation"},
    "address.city": _TEXT_CONFLICTS | {"postcode"},
    "address.state": _TEXT_CONFLICTS | {"postcode"},
    "address.country": _TEXT_CONFLICTS | {"postcode"},
}
# Value kinds that suggest a target on their own: (kind, target, highest confidence).
_VALUE_ONLY: tuple[tuple[str, str, float], ...] = (
    ("linkedin", "linkedin_url", 0.75),
    ("email", "email", 0.75),
    ("weburl", "website", 0.75),
    ("domain", "domain", 0.7),
    ("phone", "phones", 0.7),
    ("date", "source_created_at", 0.45),
    ("postcode", "address.zip", 0.5),
)


def _with_values(target: str, header_score: float, gated: bool, profile: _Profile) -> float:
    """Header evidence moved by value evidence (0 when a gated candidate has no support)."""
    if profile.count == 0:
        return 0.0 if gated else header_score * _EMPTY_FACTOR
    rel = profile.reliability
    conflict = profile.share(_CONFLICTS.get(target, _TEXT_CONFLICTS))
    support_kinds = _SUPPORT.get(target)
    if support_kinds:
        support = profile.share(support_kinds)
        if support >= 0.5:
            return header_score + (1 - header_score) * 0.6 * support * rel
        if gated:
            return 0.0
        return header_score * (1 - 0.3 * (1 - support) - 0.4 * conflict)
    if gated:
        return 0.0
    if conflict >= 0.3:
        return header_score * (1 - 0.7 * conflict)
    if header_score < 0.6:  # plain text confirms a credible header only, never a near miss
        return header_score
    return header_score + (1 - header_score) * 0.1 * (1 - conflict) * rel


# --------------------------------------------------------------------------- candidates


@dataclass(frozen=True)
class _Candidate:
    field: str
    confidence: float
    value_type: str | None = None
    address_part: str | None = None
    address_group: tuple[int, int] | None = None


def _phone_type(header: _Header, label_values: list[str], profile: _Profile) -> str:
    """Fax, Mobile, Home, Work or Other from the header words; else from a Google label column;
    else Mobile when the numbers are mobile ones; else Work for a column named as a phone and
    Other for one recognised by its values only."""
    words = set(header.tokens)
    compact = _compact(header.tokens)
    if "fax" in compact:
        return "Fax"
    if "mobile" in header.qualifiers or any(w in compact for w in _MOBILE_PARTS):
        return "Mobile"
    if "home" in header.qualifiers:
        return "Home"
    if "work" in header.qualifiers or words & {"company", "main", "office"}:
        return "Work"
    if "other" in header.qualifiers or words & _OTHER_PHONE_WORDS:
        return "Other"
    if label_values:
        return _type_from_labels(label_values)
    if profile.count and profile.mobile_share() >= 0.8:
        return "Mobile"
    named_phone = "phones" in header.hits and not header.google_kind
    return "Work" if named_phone else "Other"


def _type_from_labels(labels: list[str]) -> str:
    """The most common phone type among Google-style labels ("* Mobile", "Work Fax")."""
    counts: dict[str, int] = {}
    for label in labels:
        text = label.casefold()
        if "fax" in text:
            kind = "Fax"
        elif any(w in text for w in ("mobile", "cell", "handy", "mobil")):
            kind = "Mobile"
        elif any(w in text for w in ("work", "business", "office", "main")):
            kind = "Work"
        elif "home" in text:
            kind = "Home"
        else:
            kind = "Other"
        counts[kind] = counts.get(kind, 0) + 1
    return max(PHONE_TYPES, key=lambda t: (counts.get(t, 0), -PHONE_TYPES.index(t)))


def _address_group(header: _Header) -> tuple[int, int]:
    """(rank, number) of the address a column belongs to; (0, 0) for an unqualified column."""
    ranks = [_ADDRESS_GROUP_RANK[q] for q in header.qualifiers if q in _ADDRESS_GROUP_RANK]
    rank = min(ranks, default=0)
    if header.google_kind:
        return (rank, header.index or 1)
    return (rank, 1) if rank else _NEUTRAL_GROUP


def _candidates(
    module: ModuleDef, header: _Header, profile: _Profile, label_values: list[str]
) -> list[_Candidate]:
    if header.noise:
        return []
    scores: dict[str, float] = {}
    for target, (score, gated) in header.hits.items():
        scores[target] = max(scores.get(target, 0.0), _with_values(target, score, gated, profile))
    if profile.count:
        rel = profile.reliability
        for kind, target, cap in _VALUE_ONLY:
            share = profile.share({kind})
            if share >= 0.6 and module.has_field(target.split(".")[0]):
                confidence = min(cap, 0.3 + 0.45 * share * rel)
                if kind == "phone" and profile.share({"number"}) > 0.5:
                    confidence = min(confidence, 0.5)
                scores[target] = max(scores.get(target, 0.0), confidence)
    if "email" in scores and "other" in header.qualifiers and module.has_field("additional_emails"):
        scores["additional_emails"] = max(scores.get("additional_emails", 0.0), scores["email"])
        scores["email"] -= 0.15
    if "email" in scores and module.has_field("additional_emails"):
        fallback = scores["email"] * 0.95
        scores["additional_emails"] = max(scores.get("additional_emails", 0.0), fallback)
    out: list[_Candidate] = []
    for target, confidence in scores.items():
        if confidence < _FLOOR:
            continue
        name, _, part = target.partition(".")
        if not module.has_field(name) or (part and part not in ADDRESS_PARTS):
            continue
        if name == "address":
            out.append(_Candidate(name, confidence, None, part, _address_group(header)))
        elif module.field(name).data_type is DataType.PHONE:
            phone_type = _phone_type(header, label_values, profile)
            out.append(_Candidate(name, confidence, phone_type))
        else:
            out.append(_Candidate(name, confidence))
    out.sort(key=lambda c: -c.confidence)
    return out


def _drop_secondary_addresses(candidates: list[list[_Candidate]]) -> None:
    """Keep one qualified address: mailing, business, billing, home, shipping, other (in that
    order; Google's "Address 1" before "Address 2"), plus unqualified address columns.

    Columns of the other addresses ("Home City" when "Business City" exists) lose their address
    candidate, so that applying any set of suggestions never maps two columns to one part."""
    groups = {c[0].address_group for c in candidates if c and c[0].address_group is not None}
    groups.discard(_NEUTRAL_GROUP)
    if not groups:
        return
    keep = {min(groups), _NEUTRAL_GROUP}
    for i, column in enumerate(candidates):
        candidates[i] = [c for c in column if c.address_group is None or c.address_group in keep]


def _slot(module: ModuleDef, candidate: _Candidate) -> str | None:
    if candidate.address_part is not None:
        return f"address.{candidate.address_part}"
    return None if module.field(candidate.field).multi else candidate.field


def _assign(module: ModuleDef, candidates: list[list[_Candidate]]) -> dict[int, _Candidate]:
    """Most confident columns choose first; a taken single-value slot sends a column to its
    next candidate (for an email column: `additional_emails`)."""
    order = sorted(
        range(len(candidates)),
        key=lambda i: (-(candidates[i][0].confidence if candidates[i] else 0.0), i),
    )
    taken: set[str] = set()
    chosen: dict[int, _Candidate] = {}
    for i in order:
        for candidate in candidates[i]:
            slot = _slot(module, candidate)
            if slot is None or slot not in taken:
                if slot is not None:
                    taken.add(slot)
                chosen[i] = candidate
                break
    return chosen


def suggest_mapping(
    module: ModuleDef, columns: list[str], sample: pd.DataFrame
) -> list[Suggestion]:
    """One suggestion per column, in column order.

    Header evidence: the normalized header (and the header without qualifiers such as
    "Business", "Home", "Mobile" or an index) against a synonym table per field (exact: 0.95,
    ambiguous names lower, e.g. "Name" 0.7, "Title" 0.68); near misses and synonyms inside a
    longer header score lower. Value evidence from the sample: the share of values that look
    like emails, phones, URLs, LinkedIn URLs, domains, dates or postcodes raises a target that
    expects them and lowers one that does not; a strong share suggests a target by itself (at
    most 0.75). An empty column keeps 90% of its header evidence.

    A single-value field and each address part go to at most one column, so any subset of the
    suggestions is a valid mapping; a second email column becomes `additional_emails`. Only one
    qualified address is kept (see `_drop_secondary_addresses`). Columns with no target get
    `target_field=None` and confidence 0."""
    index = _index(module.slug, module.field_slugs)
    headers = [_analyze_header(str(c), index, frozenset()) for c in columns]
    if len({_compact(h.tokens) for h in headers} & _MAILCHIMP_SIGNATURE) >= 2:
        headers = [_analyze_header(str(c), index, _MAILCHIMP_NOISE) for c in columns]
    label_columns = {h.label_of: columns[i] for i, h in enumerate(headers) if h.label_of}
    candidates: list[list[_Candidate]] = []
    for column, header in zip(columns, headers, strict=True):
        labels: list[str] = []
        if header.google_kind and header.index is not None:
            label_column = label_columns.get((header.google_kind, header.index))
            if label_column is not None:
                labels = list(_profile(sample, label_column).values)
        candidates.append(_candidates(module, header, _profile(sample, column), labels))
    _drop_secondary_addresses(candidates)
    chosen = _assign(module, candidates)
    suggestions = []
    for i, column in enumerate(columns):
        best = chosen.get(i)
        if best is None:
            suggestions.append(Suggestion(str(column), None, None, None, 0.0))
            continue
        confidence = round(min(_MAX_CONFIDENCE, max(0.0, best.confidence)), 2)
        suggestions.append(
            Suggestion(str(column), best.field, best.value_type, best.address_part, confidence)
        )
    return suggestions
