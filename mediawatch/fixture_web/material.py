"""Text material for fixture pages: real paragraphs from the committed real pages plus generated
English and German sentences that mention the companies the watchlist tests look for.

Everything here is a pure function of a `random.Random`, so pages are deterministic for a seed.
"""

from __future__ import annotations

import random
import re

# the names the watchlist tests match; bodies and boilerplate both mention them
COMPANIES = ["Xiaomi", "BAIC", "Hyundai", "Tesla", "BYD", "Apple", "Samsung", "Huawei", "NIO"]
OTHER_COMPANIES = ["Volkswagen", "Toyota", "Google", "Sony", "Xpeng", "Geely", "CATL", "Nvidia"]
PRODUCTS = {
    "Xiaomi": ["SU7 Ultra", "YU7 SUV", "HyperOS 3 update", "Xiaomi 15 Pro"],
    "BAIC": ["Arcfox Alpha T5", "BJ60 off-roader", "Stelato S9 sedan"],
    "Hyundai": ["Ioniq 9", "Ioniq 5 N", "Inster city car"],
    "Tesla": ["Model Y refresh", "Cybercab robotaxi", "Model 3 Performance"],
    "BYD": ["Seal 06", "Dolphin Surf", "Atto 2", "Yangwang U8"],
    "Apple": ["iPhone 17 Pro", "Vision Pro headset", "M5 MacBook Pro"],
    "Samsung": ["Galaxy S26", "Galaxy Z Fold 7", "Exynos 2600 chip"],
    "Huawei": ["Mate 80", "Pura 80 Ultra", "HarmonyOS Next"],
    "NIO": ["ET9 sedan", "Onvo L60", "Firefly hatchback"],
}
EXECUTIVES = {
    "Xiaomi": "Lei Jun",
    "Tesla": "Elon Musk",
    "BYD": "Wang Chuanfu",
    "Apple": "Tim Cook",
    "NIO": "William Li",
    "Huawei": "Richard Yu",
    "Samsung": "TM Roh",
    "Hyundai": "José Muñoz",
    "BAIC": "Zhang Jianyong",
}
FIRST_NAMES = [
    "Jane",
    "Michael",
    "Sarah",
    "David",
    "Emily",
    "Daniel",
    "Laura",
    "James",
    "Olivia",
    "Thomas",
    "Priya",
    "Kevin",
    "Mei",
    "Carlos",
    "Hannah",
    "Robert",
    "Aisha",
    "Lucas",
]
LAST_NAMES = [
    "Doe",
    "Carter",
    "Nguyen",
    "Patel",
    "Johnson",
    "Reyes",
    "Kowalski",
    "Chen",
    "Brooks",
    "Fischer",
    "Okafor",
    "Lindqvist",
    "Morgan",
    "Tanaka",
    "Alvarez",
    "Walsh",
    "Kim",
]
DE_FIRST_NAMES = ["Anna", "Jonas", "Katrin", "Lukas", "Miriam", "Stefan", "Julia", "Tobias"]
DE_LAST_NAMES = ["Schmidt", "Weber", "Hoffmann", "Becker", "Wagner", "Schäfer", "Krüger", "Vogel"]
CITIES = ["Hong Kong", "Shenzhen", "New York", "Seoul", "Frankfurt", "Shanghai", "Tokyo"]
FIRMS = ["Morgan Stanley", "Bernstein", "Counterpoint Research", "Canalys", "UBS", "Jefferies"]

_EN_SENTENCES = [
    "{c} said on {day} that it would start deliveries of the {p} in {month}, earlier than expected.",
    "Analysts at {firm} described the {p} as the most important launch for {c} this year.",
    "Shares of {c} rose {pct} percent in {city} trading after the announcement.",
    "The company competes with {c2} and {c3}, both of which cut prices in the past quarter.",
    "{exec}, who runs {c}, told reporters that demand had exceeded the company's own forecasts.",
    "According to {firm}, {c} shipped about {n} thousand units in the last three months.",
    "The {p} uses a battery pack supplied by CATL and can charge to 80 percent in {m} minutes.",
    "{c2} declined to comment on the report, citing a quiet period ahead of its earnings.",
    "Industry data show that {c} now holds roughly {pct} percent of its home market.",
    "Regulators in {city} are reviewing the deal, a process that could take several months.",
    "Critics argue that {c} still lags {c2} in software, even as its hardware catches up.",
    "The launch comes as {c} tries to expand in Europe, where tariffs have raised costs.",
    "{c} plans to spend more than {n} million dollars on research next year, a filing shows.",
    "Dealers said waiting times for the {p} had stretched to {m} weeks in some regions.",
    "A spokesperson for {c} said the company remained committed to its long-term targets.",
    "{c3} is expected to respond with a cheaper model of its own before the end of the year.",
]
_EN_TITLES = [
    "{c} unveils {p} as rivalry with {c2} heats up",
    "{c} shares jump after strong demand for {p}",
    "Why the {p} matters for {c} and its rivals",
    "{c} cuts prices of {p} to win back buyers",
    "{exec} says {c} will double down on {p}",
    "{c} reports record quarter on {p} sales",
    "{c} delays {p} launch amid supply problems",
    "Hands-on: the {p} shows where {c} is heading",
]
_DE_SENTENCES = [
    "{c} hat am {tag} das Modell {p} vorgestellt.",
    "Nach Angaben des Unternehmens soll der {p} ab {monat} auch in Deutschland erhältlich sein.",
    "Analysten von {firm} rechnen damit, dass {c} seinen Marktanteil weiter ausbauen kann.",
    "Der Konkurrent {c2} hatte erst vor wenigen Wochen die Preise für seine Modelle gesenkt.",
    "Die Aktie von {c} legte im Handel in {stadt} um {pct} Prozent zu.",
    "{c} gilt als einer der wichtigsten Hersteller von Elektroautos und Smartphones in China.",
    "Firmenchef {exec} sprach von einem wichtigen Schritt für das gesamte Unternehmen.",
    "Die Nachfrage nach Elektroautos in Deutschland ist zuletzt wieder gestiegen.",
    "Branchenbeobachter sehen darin auch ein deutliches Signal an {c2} und {c3}.",
    "Ob sich das Geschäftsmodell langfristig lohnt, ist unter Experten umstritten.",
    "Für die Kunden bedeutet das vor allem mehr Auswahl bei sinkenden Preisen.",
    "Das Unternehmen beschäftigt nach eigenen Angaben mehr als {n} Mitarbeiterinnen und Mitarbeiter.",
    "Die Batterie soll sich in weniger als {m} Minuten auf 80 Prozent laden lassen.",
    "Die Reichweite gibt der Hersteller mit bis zu {km} Kilometern an.",
    "Auch bei Software und Assistenzsystemen will {c} in den kommenden Jahren aufholen.",
    "In Europa tritt {c} damit direkt gegen Volkswagen, BMW und Mercedes-Benz an.",
    "Die Europäische Kommission prüft derzeit, ob sie die Zölle auf Importe aus China anhebt.",
    "Händler berichten von Lieferzeiten von bis zu {m} Wochen für den {p}.",
    "Ein Sprecher von {c2} wollte sich zu den Berichten zunächst nicht äußern.",
    "Im vergangenen Quartal setzte {c} nach Schätzungen von {firm} rund {n} Fahrzeuge ab.",
    "Zudem kündigte {c} an, ein neues Entwicklungszentrum in {stadt} zu eröffnen.",
    "Kritiker bemängeln, dass der Datenschutz bei vernetzten Fahrzeugen oft zu kurz kommt.",
    "Die Preise beginnen nach Herstellerangaben bei knapp {n} Euro.",
    "Ob {c3} mit einem eigenen Modell nachzieht, ist bislang offen.",
]
_DE_TITLES = [
    "{c} stellt {p} vor: Angriff auf {c2}",
    "{c} senkt die Preise für den {p}",
    "Warum der {p} für {c} so wichtig ist",
    "{exec}: {c} will mit dem {p} Europa erobern",
    "Rekordquartal für {c} dank {p}",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
_MONTHS = ["January", "March", "May", "June", "September", "November"]
_TAGE = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag"]
_MONATE = ["Januar", "März", "Mai", "Juni", "September", "November"]
_STAEDTE = ["Berlin", "München", "Stuttgart", "Peking", "Shenzhen", "Frankfurt"]


def corpus_paragraphs() -> tuple[str, ...]:
    """English body paragraphs of the real pages committed in `fixture_web/real_pages/` (MIT), so
    every clone serves the same fixture articles, with or without ../shared."""
    from mediawatch.fixture_web.realpages import prose_paragraphs

    return prose_paragraphs()


def _fill(template: str, rng: random.Random, company: str, german: bool) -> str:
    others = [c for c in COMPANIES + OTHER_COMPANIES if c != company]
    c2, c3 = rng.sample(others, 2)
    values = {
        "c": company,
        "c2": c2,
        "c3": c3,
        "p": rng.choice(PRODUCTS.get(company, ["new model"])),
        "exec": EXECUTIVES.get(company, "the chief executive"),
        "firm": rng.choice(FIRMS),
        "pct": rng.randint(2, 19),
        "n": rng.randint(12, 950),
        "m": rng.randint(8, 40),
        "km": rng.randint(380, 820),
        "city": rng.choice(CITIES),
        "day": rng.choice(_DAYS),
        "month": rng.choice(_MONTHS),
        "tag": rng.choice(_TAGE),
        "monat": rng.choice(_MONATE),
        "stadt": rng.choice(_STAEDTE),
    }
    return template.format(**values)


def title(rng: random.Random, company: str, german: bool = False) -> str:
    """A headline about `company`."""
    return _fill(rng.choice(_DE_TITLES if german else _EN_TITLES), rng, company, german)


def generated_paragraph(rng: random.Random, company: str, german: bool = False) -> str:
    """Three to six generated sentences, most of them about `company`."""
    bank = _DE_SENTENCES if german else _EN_SENTENCES
    picks = rng.sample(bank, rng.randint(3, 6))
    return " ".join(_fill(t, rng, company, german) for t in picks)


def body_paragraphs(rng: random.Random, company: str, german: bool = False) -> list[str]:
    """Article body of 300-1500 words: generated company news mixed with real corpus paragraphs."""
    target = rng.randint(300, 1500)
    pool = () if german else corpus_paragraphs()
    paragraphs = [generated_paragraph(rng, company, german)]
    words = len(paragraphs[0].split())
    while words < target:
        if pool and rng.random() < 0.6:
            text = rng.choice(pool)
        else:
            text = generated_paragraph(rng, company, german)
        if words + len(text.split()) > 1500 and words >= 300:
            break
        paragraphs.append(text)
        words += len(text.split())
    return paragraphs


def person_name(rng: random.Random, german: bool = False) -> str:
    """A realistic person name."""
    if german:
        return f"{rng.choice(DE_FIRST_NAMES)} {rng.choice(DE_LAST_NAMES)}"
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def slugify(text: str, max_words: int = 8) -> str:
    """URL slug: lowercase ASCII words joined by hyphens."""
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "ó": "o"})
    words = re.findall(r"[a-z0-9]+", text.lower().translate(table))
    return "-".join(words[:max_words]) or "story"
