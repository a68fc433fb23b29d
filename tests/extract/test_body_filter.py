"""Paragraph-level boilerplate filtering: drops calls to action and link lists, keeps prose that
merely starts with the same words."""

from __future__ import annotations

import pytest

from mediawatch.extract.body import filter_lines

ARTICLE_LINE = "The regulator opened an investigation into the merger on Tuesday, officials said."


@pytest.mark.parametrize(
    "noise",
    [
        "Related: Possible Water Plumes on Europa",
        "READ MORE | China furious at Macron",
        "Get the latest updates right in your inbox. Subscribe to our newsletters.",
        "Get Motor Cycle Monthly delivered every month. Click here for more information.",
        "Follow Newsbeat on Instagram, Facebook, Twitter and YouTube.",
        "Leave a Reply",
        "Like this story? Share it with a friend!",
        "12 comments",
        "Copyright 2024 Example Media",
        "Tags: AI, chips",
        "Advertisement",
        # "read also" labels of other languages, with a link title or alone
        "Lesen Sie auch: Chiphersteller baut neues Werk",
        "À lire aussi » Le marché des puces recule",
        "Le puede interesar: Nuevas reglas para la nube",
        "Czytaj też: Rynek chmury rośnie",
        "Leggi anche",
        "Mehr zum Thema auf Beispiel.de",
        "Vorschau auf den nächsten Artikel",
        # credits and captions ending in one
        "© Jane Doe/Getty Images",
        "Crédits photos : Agence Exemple",
        "The chip plant near Dresden. © AFP / JANE DOE",
        # datelines, labels, comment widgets, downloads, disclosures, log-in state
        "23.10.2018",
        "Aktualisiert am 17.01.2021.",
        "24. März 2004, 19:49 | Redaktion",
        "Zusatzinformationen:",
        "Keine Kommentare",
        "Kommentare insgesamt: 0",
        "Informationsschreiben vom 14. Oktober 2021 PDF | 38 KB",
        "Dieser Beitrag enthält Affiliate-Links.",
        "Sie sind aktuell nicht eingeloggt.",
        "Subscribe now to our print edition for the full story.",
        "Never miss the latest news by signing up to our newsletter today!",
        "¿Ya sabías que tenemos canal de Telegram? Únete desde tu celular.",
        "HAZTE MIEMBRO Y DISFRUTA DE BENEFICIOS EXCLUSIVOS",
        "For breaking news download the Example News apps for iOS and Android.",
    ],
)
def test_boilerplate_line_dropped(noise: str) -> None:
    assert (
        filter_lines(f"{ARTICLE_LINE}\n{noise}\n{ARTICLE_LINE}", None)
        == f"{ARTICLE_LINE}\n{ARTICLE_LINE}"
    )


@pytest.mark.parametrize(
    "prose",
    [
        "More than 2,500 civilians have been killed in the fighting so far this year.",
        "Watch makers have seen demand fall for a third year.",
        "Copyright law in the EU changed in 2019, the court said.",
        "On 23.10.2018 the board approved the plan, and the first plant opened two years later.",
        "Disney's teams patched the software as the company continued to sign up subscribers.",
        "WhatsApp and Telegram both added channels this year; iOS users got them first.",
        "The app is free on iOS and Android, and a subscription removes the ads.",
        "Here is what the regulator asked both companies to explain in their answers to the review:",
        "Lesen Sie auch die Stellungnahme des Ministeriums, die am Montag veröffentlicht wurde und "
        "die Vorwürfe gegen den Konzern im Einzelnen zurückweist.",
        "If you want Disney+ alone, you can sign up for a free 7-day trial. Afterwards you pay $6.99 a "
        "month, and if you subscribe to all three services you save a further five dollars each month.",
    ],
)
def test_prose_with_similar_words_kept(prose: str) -> None:
    assert prose in filter_lines(f"{ARTICLE_LINE}\n{prose}", None)


def test_link_list_after_related_label_dropped_and_title_repeat_removed() -> None:
    text = "\n".join(
        [
            "Chip deal signed",
            ARTICLE_LINE,
            "You may also like:",
            "- Intel delays Ohio plant",
            "- TSMC profit beats",
            ARTICLE_LINE,
        ]
    )
    assert filter_lines(text, "Chip deal signed") == f"{ARTICLE_LINE}\n{ARTICLE_LINE}"


def test_image_caption_lines_dropped() -> None:
    captions = frozenset({"the foldable tablet opened on a desk"})
    text = f"{ARTICLE_LINE}\nThe foldable tablet opened on a desk\n{ARTICLE_LINE}"
    assert filter_lines(text, None, captions) == f"{ARTICLE_LINE}\n{ARTICLE_LINE}"
