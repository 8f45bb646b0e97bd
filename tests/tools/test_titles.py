"""The title resolver: exact, normalized, partial, fuzzy, ambiguous, not found, and mentions."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender.data import load_dataset
from tools.titles import TitleIndex, normalize

TITLES = (
    "Godfather, The (1972)",
    "Godfather: Part II, The (1974)",
    "Batman (1989)",
    "Batman Returns (1992)",
    "Batman Forever (1995)",
    "Nikita (La Femme Nikita) (1990)",
    "Misérables, Les (1995)",
    "GoldenEye (1995)",
    "Army of Darkness (1993)",
    "North by Northwest (1959)",
    "Indiana Jones and the Last Crusade (1989)",
    "Heat (1995)",
    "Home Alone (1990)",
    "Postino, Il (1994)",
    "Beverly Hills Cop III (1994)",
    "Sabrina (1954)",
    "Sabrina (1995)",
    "Fargo (1996)",
    "Contact (1997)",
    "Star Trek: First Contact (1996)",
    "Star Trek: Generations (1994)",
    "8 1/2 (1963)",
    "Boot, Das (1981)",
    "Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb (1963)",
    "Sense and Sensibility (1995)",
    "Face/Off (1997)",
    "unknown",
)
POPULARITY = [100.0] * len(TITLES)
POPULARITY[TITLES.index("Sabrina (1995)")] = 300.0


@pytest.fixture(scope="module")
def index() -> TitleIndex:
    return TitleIndex(TITLES, POPULARITY)


def best(index: TitleIndex, text: str) -> tuple[str, str | None]:
    resolution = index.resolve(text)
    return resolution.status, resolution.candidates[0].title if resolution.candidates else None


def test_normalize_folds_case_accents_punctuation_numbers() -> None:
    assert normalize("Misérables, Les") == "miserables les"
    assert normalize("Star Trek: Part II") == "star trek part 2"
    assert normalize("Sense & Sensibility") == "sense and sensibility"
    assert normalize("L.A. Confidential") == "la confidential"
    assert normalize("three kings") == "3 kings"


def test_exact_catalog_string(index: TitleIndex) -> None:
    assert best(index, "Heat (1995)") == ("exact", "Heat (1995)")


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("the godfather", "Godfather, The (1972)"),
        ("GODFATHER, THE", "Godfather, The (1972)"),
        ("the godfather part 2", "Godfather: Part II, The (1974)"),
        ("Godfather part two (1974)", "Godfather: Part II, The (1974)"),
        ("la femme nikita", "Nikita (La Femme Nikita) (1990)"),
        ("nikita", "Nikita (La Femme Nikita) (1990)"),
        ("les miserables", "Misérables, Les (1995)"),
        ("miserables", "Misérables, Les (1995)"),
        ("il postino", "Postino, Il (1994)"),
        ("das boot", "Boot, Das (1981)"),
        ("beverly hills cop 3", "Beverly Hills Cop III (1994)"),
        ("beverly hills cop three", "Beverly Hills Cop III (1994)"),
        ("sense and sensibility", "Sense and Sensibility (1995)"),
        ("sense & sensibility", "Sense and Sensibility (1995)"),
        ("face off", "Face/Off (1997)"),
        ("8 1/2", "8 1/2 (1963)"),
        ("sabrina 1954", "Sabrina (1954)"),
        ("batman (1989)", "Batman (1989)"),
        ("star trek first contact", "Star Trek: First Contact (1996)"),
    ],
)
def test_normalized_forms(index: TitleIndex, typed: str, title: str) -> None:
    assert best(index, typed) == ("normalized", title)


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("golden eye", "GoldenEye (1995)"),
        ("army of darknes", "Army of Darkness (1993)"),
        ("north by north west", "North by Northwest (1959)"),
        ("nort by northwest", "North by Northwest (1959)"),
        ("the last crusade", "Indiana Jones and the Last Crusade (1989)"),
        (
            "dr strangelove",
            "Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb (1963)",
        ),
    ],
)
def test_typos_and_unique_partials_resolve(index: TitleIndex, typed: str, title: str) -> None:
    status, found = best(index, typed)
    assert (status, found) == ("fuzzy", title)
    assert index.resolve(typed).confident


def test_ambiguous_names_list_ranked_candidates(index: TitleIndex) -> None:
    batman = index.resolve("batman")
    assert batman.status == "ambiguous" and batman.title is None
    titles = [c.title for c in batman.candidates]
    assert titles[0] == "Batman (1989)"
    assert {"Batman Returns (1992)", "Batman Forever (1995)"} <= set(titles)
    assert index.resolve("star trek").status == "ambiguous"
    # Two films of the same name: the more popular one first.
    sabrina = index.resolve("sabrina")
    assert sabrina.status == "ambiguous"
    assert [c.title for c in sabrina.candidates] == ["Sabrina (1995)", "Sabrina (1954)"]


def test_the_article_pins_the_exact_title_over_sequels(index: TitleIndex) -> None:
    assert index.resolve("the godfather").title == "Godfather, The (1972)"
    assert index.resolve("godfather").status == "ambiguous"


def test_unknown_title_is_not_found(index: TitleIndex) -> None:
    resolution = index.resolve("zorblax the magnificent")
    assert resolution.status == "not_found" and resolution.candidates == ()
    assert index.resolve("").status == "not_found"
    assert index.resolve("unknown").status == "not_found"  # a catalog placeholder row


def test_popularity_must_match_titles() -> None:
    with pytest.raises(ValueError, match="popularity"):
        TitleIndex(["A (1990)", "B (1991)"], [1.0])


def mentions(index: TitleIndex, message: str) -> list[tuple[str, str | None, bool]]:
    return [
        (m.text, m.resolution.candidates[0].title if m.resolution.candidates else None, m.strong)
        for m in index.find_mentions(message)
    ]


def test_mentions_without_quotes(index: TitleIndex) -> None:
    assert mentions(index, "films like the godfather please") == [
        ("the godfather", "Godfather, The (1972)", True)
    ]
    found = index.find_mentions("more like golden eye")
    assert found == [] or found[0].resolution.title == "GoldenEye (1995)"


def test_mentions_prefer_the_longest_span(index: TitleIndex) -> None:
    assert mentions(index, "star trek first contact vibes") == [
        ("star trek first contact", "Star Trek: First Contact (1996)", True)
    ]


def test_mention_span_and_year(index: TitleIndex) -> None:
    message = "I think Batman (1989) was great"
    (mention,) = index.find_mentions(message)
    assert message[mention.start : mention.end] == "Batman (1989)"
    assert mention.resolution.title == "Batman (1989)"


def test_quoted_title_is_taken_directly(index: TitleIndex) -> None:
    (mention,) = index.find_mentions('I loved "Heat" so much')
    assert mention.quoted and mention.resolution.title == "Heat (1995)"
    (mention,) = index.find_mentions("rate 'Fargo' please")
    assert mention.quoted and mention.text == "Fargo"


def test_everyday_words_need_a_cue(index: TitleIndex) -> None:
    # "heat" and "contact" are real titles but ordinary words here.
    assert not any(strong for *_, strong in mentions(index, "it's too much heat today"))
    assert not any(strong for *_, strong in mentions(index, "how do I contact support"))
    assert not any(strong for *_, strong in mentions(index, "home alone tonight, any comedy?"))
    # With a title cue, capitals, or opening a rating they are titles.
    assert mentions(index, "movies like heat") == [("heat", "Heat (1995)", True)]
    assert mentions(index, "heat was ok") == [("heat", "Heat (1995)", True)]
    assert mentions(index, "What did you think of Heat") == [("Heat", "Heat (1995)", True)]
    assert mentions(index, "heat: 4/5") == [("heat", "Heat (1995)", True)]


def test_distinctive_one_word_title_anywhere(index: TitleIndex) -> None:
    assert mentions(index, "fargo, more please") == [("fargo", "Fargo (1996)", True)]


def test_fuzzy_window_in_a_slot(index: TitleIndex) -> None:
    message = "more like army of darknes please"
    start = message.index("army")
    mention = index.fuzzy_window(message, start, start + len("army of darknes"))
    assert mention is not None and mention.resolution.title == "Army of Darkness (1993)"
    assert mention.text == "army of darknes"


def test_every_ml100k_title_resolves_to_itself(ml100k_dir: Path) -> None:
    titles = load_dataset(ml100k_dir).movies["title"].tolist()
    index = TitleIndex(titles)
    once = [t for t in titles if titles.count(t) == 1 and t != "unknown"]
    wrong = [t for t in once if index.resolve(t).title != t]
    assert not wrong
    # Lowercase with the year still names exactly that film; the only exceptions are rows
    # whose name is another row's alternate title with the same year (the same film listed
    # twice, e.g. "Bewegte Mann, Der (1994)"): those are ambiguous, with the film a candidate.
    for title in once:
        resolution = index.resolve(title.lower())
        if resolution.title != title:
            assert resolution.status == "ambiguous", title
            assert title in [c.title for c in resolution.candidates]
            assert len(resolution.candidates) == 2


def test_only_franchise_entries_make_a_name_ambiguous() -> None:
    index = TitleIndex(
        [
            "Ghost (1990)",
            "Ghost and the Darkness, The (1996)",
            "Alien (1979)",
            "Alien 3 (1992)",
            "Alien: Resurrection (1997)",
        ]
    )
    assert index.resolve("ghost").title == "Ghost (1990)"
    alien = index.resolve("alien")
    assert alien.status == "ambiguous"
    assert alien.candidates[0].title == "Alien (1979)"
    assert len(alien.candidates) == 3


def test_lone_v_or_x_sequel_number_also_reads_as_digits() -> None:
    index = TitleIndex(
        ["Henry V (1989)", "Star Trek V: The Final Frontier (1989)", "Star Trek IV (1986)"]
    )
    assert index.resolve("henry 5").title == "Henry V (1989)"
    assert index.resolve("henry v").title == "Henry V (1989)"
    assert index.resolve("star trek 5").title == "Star Trek V: The Final Frontier (1989)"
    assert index.resolve("star trek 4").title == "Star Trek IV (1986)"
    assert [m.resolution.title for m in index.find_mentions("films like henry 5")] == [
        "Henry V (1989)"
    ]


def test_subtitle_article_may_be_left_out() -> None:
    index = TitleIndex(
        [
            "Star Trek III: The Search for Spock (1984)",
            "Halloween: The Curse of Michael Myers (1995)",
        ]
    )
    assert index.resolve("star trek 3 search for spock").title == (
        "Star Trek III: The Search for Spock (1984)"
    )
    found = index.find_mentions("movies like halloween curse of michael myers")
    assert [m.resolution.title for m in found] == ["Halloween: The Curse of Michael Myers (1995)"]


def test_bare_year_after_a_title_pins_and_joins_the_mention() -> None:
    index = TitleIndex(["Jaws (1975)", "Jaws 2 (1978)", "Heat (1995)"])
    (mention,) = index.find_mentions("jaws 1975 similar films")
    assert (mention.text, mention.resolution.title, mention.strong) == (
        "jaws 1975",
        "Jaws (1975)",
        True,
    )
    (mention,) = index.find_mentions("films like heat (1995)")
    assert (mention.text, mention.resolution.title) == ("heat (1995)", "Heat (1995)")


def test_everyday_word_title_after_a_score_or_before_a_negated_verb(index: TitleIndex) -> None:
    assert mentions(index, "4/5 for heat") == [("heat", "Heat (1995)", True)]
    assert mentions(index, "three stars for heat") == [("heat", "Heat (1995)", True)]
    assert mentions(index, "heat wasn't great") == [("heat", "Heat (1995)", True)]
    assert mentions(index, "a film for heat waves") == [("heat", "Heat (1995)", False)]
