"""Fictional customer names and e-mail addresses.

Names include non-ASCII letters, apostrophes, commas and double quotes on
purpose, so the files exercise UTF-8 and RFC 4180 quoting. E-mail addresses use
reserved `example` domains.
"""

from __future__ import annotations

import random

# (display name, ASCII spelling for e-mail addresses)
_FIRST_NAMES: tuple[tuple[str, str], ...] = (
    ("Anna", "anna"),
    ("Søren", "soren"),
    ("Mette", "mette"),
    ("Lars", "lars"),
    ("Zoë", "zoe"),
    ("José", "jose"),
    ("Björn", "bjorn"),
    ("Chloé", "chloe"),
    ("Liam", "liam"),
    ("Olivia", "olivia"),
    ("Noah", "noah"),
    ("Emma", "emma"),
    ("Amelia", "amelia"),
    ("Oliver", "oliver"),
    ("Freja", "freja"),
    ("Mads", "mads"),
    ("Ida", "ida"),
    ("Lukas", "lukas"),
    ("Léa", "lea"),
    ("Hugo", "hugo"),
    ("Sofia", "sofia"),
    ("Mateo", "mateo"),
    ("Aoife", "aoife"),
    ("Siobhán", "siobhan"),
    ("Priya", "priya"),
    ("Wei", "wei"),
    ("Fatima", "fatima"),
    ("Jonas", "jonas"),
    ("Emil", "emil"),
    ("Grace", "grace"),
    ("Ethan", "ethan"),
    ("Ava", "ava"),
)
_LAST_NAMES: tuple[tuple[str, str], ...] = (
    ("Nielsen", "nielsen"),
    ("Jensen", "jensen"),
    ("Hansen", "hansen"),
    ("Østergaard", "ostergaard"),
    ("Müller", "mueller"),
    ("Schmidt", "schmidt"),
    ("O'Brien", "obrien"),
    ("García", "garcia"),
    ("Martin", "martin"),
    ("Dubois", "dubois"),
    ("Smith", "smith"),
    ("Johnson", "johnson"),
    ("Williams", "williams"),
    ("Brown", "brown"),
    ("van der Berg", "vanderberg"),
    ("de Vries", "devries"),
    ("Andersson", "andersson"),
    ("Lindqvist", "lindqvist"),
    ("Murphy", "murphy"),
    ("Kelly", "kelly"),
    ("Rossi", "rossi"),
    ("Fernández", "fernandez"),
    ("Novak", "novak"),
    ("Kowalski", "kowalski"),
    ("Chen", "chen"),
    ("Patel", "patel"),
    ("Taylor", "taylor"),
    ("Wilson", "wilson"),
)
_COMPANY_WORDS: tuple[str, ...] = (
    "Nordlys",
    "Havblik",
    "Bluefjord",
    "Ironbark",
    "Lindholm",
    "Skylark",
    "Meridian",
    "Copperleaf",
    "Granite",
    "Tidewater",
    "Aurora",
    "Kestrel",
    "Brightwater",
    "Fjeldsted",
    "Saltmarsh",
    "Northwind",
)
_COMPANY_KINDS: tuple[str, ...] = (
    "Analytics",
    "Engineering",
    "Design",
    "Logistics",
    "Consulting",
    "Architects",
    "Studio",
    "Systems",
    "Labs",
    "Partners",
)
_COMPANY_SUFFIXES: tuple[str, ...] = (
    "ApS",
    "A/S",
    "GmbH",
    "Ltd",
    "Inc.",
    "B.V.",
    "SAS",
    ", LLC",
    "& Co.",
)
_DOMAINS: tuple[str, ...] = ("example.com", "example.org", "example.net", "mail.example")


def person(rng: random.Random, number: str) -> tuple[str, str]:
    """A person's name and e-mail address; `number` makes the address distinct."""
    first, first_ascii = rng.choice(_FIRST_NAMES)
    last, last_ascii = rng.choice(_LAST_NAMES)
    domain = rng.choice(_DOMAINS)
    return f"{first} {last}", f"{first_ascii}.{last_ascii}.{number}@{domain}"


def company(rng: random.Random, number: str) -> tuple[str, str]:
    """A company's name and billing e-mail address."""
    word = rng.choice(_COMPANY_WORDS)
    roll = rng.random()
    if roll < 0.08:
        last = rng.choice(_LAST_NAMES)[0]
        name = f"{last}, {rng.choice(_LAST_NAMES)[0]} & Partners"
    elif roll < 0.12:
        name = f'Café "{word}" {rng.choice(_COMPANY_SUFFIXES[:3])}'
    else:
        suffix = rng.choice(_COMPANY_SUFFIXES)
        separator = "" if suffix.startswith(",") else " "
        name = f"{word} {rng.choice(_COMPANY_KINDS)}{separator}{suffix}"
    slug = word.lower()
    return name, f"billing.{number}@{slug}.{rng.choice(_DOMAINS)}"
