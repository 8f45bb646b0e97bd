"""The title resolver: exact, normalized, partial, fuzzy, ambiguous, not found, and mentions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.parsing.mentions import find_mentions, fuzzy_window
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
    assert index.resolve("star trek").status == "ambiguous"
    # Two films of the same name: the more popular one first.
    sabrina = index.resolve("sabrina")
    assert sabrina.status == "ambiguous" and sabrina.title is None
    assert [c.title for c in sabrina.candidates] == ["Sabrina (1995)", "Sabrina (1954)"]


def test_a_whole_title_wins_over_its_sequels(index: TitleIndex) -> None:
    # "batman" is the name of exactly one film: a did-you-mean would ask what was said.
    assert best(index, "batman") == ("normalized", "Batman (1989)")
    assert index.resolve("godfather").title == "Godfather, The (1972)"
    assert index.resolve("the godfather").title == "Godfather, The (1972)"


def test_a_weak_match_is_offered_not_taken(index: TitleIndex) -> None:
    # One word of a longer title, or a typo below high confidence: ask, with the film offered.
    for typed, title in [
        ("crusade", "Indiana Jones and the Last Crusade (1989)"),
        ("senc and sensibilty", "Sense and Sensibility (1995)"),
        ("arm of darkniss", "Army of Darkness (1993)"),
    ]:
        resolution = index.resolve(typed)
        assert resolution.status == "ambiguous", typed
        assert title in [c.title for c in resolution.candidates]


def test_same_label_copies_are_one_film() -> None:
    titles = [
        "Chasing Amy (1997)",
        "Heat (1995)",
        "Chasing Amy (1997)",
        "Doors, The (1991)",
        "Sliding Doors (1998)",
        "Sliding Doors (1998)",
        "Maybe, Maybe Not (Bewegte Mann, Der) (1994)",
        "Bewegte Mann, Der (1994)",
    ]
    index = TitleIndex(titles, [10, 50, 80, 5, 3, 9, 20, 2])
    # The most-rated copy stands for the film; every spelling reaches it, never a question.
    assert index.canonical == [2, 1, 2, 3, 5, 5, 6, 6]
    for typed in ["Chasing Amy (1997)", "chasing amy", "rate Chasing Amy (1997) 4/5"]:
        if typed.startswith("rate"):
            (mention,) = find_mentions(index, typed)
            resolution = mention.resolution
        else:
            resolution = index.resolve(typed)
        assert [c.index for c in resolution.candidates] == [2], typed
        assert resolution.confident
    assert index.resolve("bewegte mann, der (1994)").candidates[0].index == 6
    # "Sliding Doors (1998)" is never "Doors, The (1991)".
    (mention,) = find_mentions(index, "rate Sliding Doors (1998) 4/5")
    assert (mention.text, mention.resolution.candidates[0].index) == ("Sliding Doors (1998)", 5)


def test_a_typed_year_of_another_film_is_not_that_film() -> None:
    index = TitleIndex(["Doors, The (1991)", "Heat (1995)"])
    assert [m.text for m in find_mentions(index, "rate Sliding Doors (1998) 4/5")] == []


def test_a_quote_inside_a_title_is_part_of_it() -> None:
    index = TitleIndex(["Superman (1978)", "Waiting for 'Superman' (2010)", "[REC] (2007)"])
    (mention,) = find_mentions(index, "rate Waiting for 'Superman' 4/5")
    assert mention.resolution.title == "Waiting for 'Superman' (2010)"
    (mention,) = find_mentions(index, "I liked 'Superman'")
    assert (mention.quoted, mention.resolution.title) == (True, "Superman (1978)")
    (mention,) = find_mentions(index, "[REC] (2007) 4/5")
    assert (mention.resolution.title, mention.strong) == ("[REC] (2007)", True)


def test_a_score_is_not_part_of_a_title() -> None:
    index = TitleIndex(["Scream (1996)", "Scream 4 (2011)", "8 1/2 (1963)"])
    (mention,) = find_mentions(index, "rate Scream 4/5")
    assert mention.resolution.title == "Scream (1996)"
    (mention,) = find_mentions(index, "rate 8 1/2 4/5")
    assert mention.resolution.title == "8 1/2 (1963)"


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
        for m in find_mentions(index, message)
    ]


def test_mentions_without_quotes(index: TitleIndex) -> None:
    assert mentions(index, "films like the godfather please") == [
        ("the godfather", "Godfather, The (1972)", True)
    ]
    found = find_mentions(index, "more like golden eye")
    assert found == [] or found[0].resolution.title == "GoldenEye (1995)"


def test_mentions_prefer_the_longest_span(index: TitleIndex) -> None:
    assert mentions(index, "star trek first contact vibes") == [
        ("star trek first contact", "Star Trek: First Contact (1996)", True)
    ]


def test_mention_span_and_year(index: TitleIndex) -> None:
    message = "I think Batman (1989) was great"
    (mention,) = find_mentions(index, message)
    assert message[mention.start : mention.end] == "Batman (1989)"
    assert mention.resolution.title == "Batman (1989)"


def test_quoted_title_is_taken_directly(index: TitleIndex) -> None:
    (mention,) = find_mentions(index, 'I loved "Heat" so much')
    assert mention.quoted and mention.resolution.title == "Heat (1995)"
    (mention,) = find_mentions(index, "rate 'Fargo' please")
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
    mention = fuzzy_window(index, message, start, start + len("army of darknes"))
    assert mention is not None and mention.resolution.title == "Army of Darkness (1993)"
    assert mention.text == "army of darknes"


def test_alternate_names_and_year_in_the_display_form_pick_the_film() -> None:
    index = TitleIndex(
        [
            "Vanishing, The (Spoorloos) (1988)",
            "Vanishing, The (1993)",
            "Wend Kuuni (God's Gift) (1982)",
            "Blues Brothers 2000 (1998)",
        ]
    )
    for typed, title in [
        ("rate Vanishing, The (Spoorloos) (1988) 4/5", "Vanishing, The (Spoorloos) (1988)"),
        ("rate Wend Kuuni (God's Gift) (1982)", "Wend Kuuni (God's Gift) (1982)"),
    ]:
        (mention,) = find_mentions(index, typed)
        assert mention.resolution.title == title
        assert mention.text == typed.removeprefix("rate ").removesuffix(" 4/5")
    assert index.resolve("Blues Brothers 2000").title == "Blues Brothers 2000 (1998)"
    # A number that looks like a year but is part of the name or a year range.
    index = TitleIndex(["Death Note: Desu nôto (2006–2007)", "Year 2000 (Jonas l'an 2000) (1976)"])
    assert index.resolve("death note: desu nôto (2006–2007)").candidates[0].index == 0
    assert index.resolve("Year 2000 (Jonas l'an 2000)").candidates[0].index == 1


def test_only_a_whole_title_or_a_franchise_entry_typed_in_full_resolves() -> None:
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
    assert index.resolve("alien").title == "Alien (1979)"  # the README's "rate alien 4/5"
    assert index.resolve("alien 3").title == "Alien 3 (1992)"


def test_lone_v_or_x_sequel_number_also_reads_as_digits() -> None:
    index = TitleIndex(
        ["Henry V (1989)", "Star Trek V: The Final Frontier (1989)", "Star Trek IV (1986)"]
    )
    assert index.resolve("henry 5").title == "Henry V (1989)"
    assert index.resolve("henry v").title == "Henry V (1989)"
    assert index.resolve("star trek 5").title == "Star Trek V: The Final Frontier (1989)"
    assert index.resolve("star trek 4").title == "Star Trek IV (1986)"
    assert [m.resolution.title for m in find_mentions(index, "films like henry 5")] == [
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
    found = find_mentions(index, "movies like halloween curse of michael myers")
    assert [m.resolution.title for m in found] == ["Halloween: The Curse of Michael Myers (1995)"]


def test_bare_year_after_a_title_pins_and_joins_the_mention() -> None:
    index = TitleIndex(["Jaws (1975)", "Jaws 2 (1978)", "Heat (1995)"])
    (mention,) = find_mentions(index, "jaws 1975 similar films")
    assert (mention.text, mention.resolution.title, mention.strong) == (
        "jaws 1975",
        "Jaws (1975)",
        True,
    )
    (mention,) = find_mentions(index, "films like heat (1995)")
    assert (mention.text, mention.resolution.title) == ("heat (1995)", "Heat (1995)")


def test_everyday_word_title_after_a_score_or_before_a_negated_verb(index: TitleIndex) -> None:
    assert mentions(index, "4/5 for heat") == [("heat", "Heat (1995)", True)]
    assert mentions(index, "three stars for heat") == [("heat", "Heat (1995)", True)]
    assert mentions(index, "heat wasn't great") == [("heat", "Heat (1995)", True)]
    assert mentions(index, "a film for heat waves") == [("heat", "Heat (1995)", False)]


def _catalog_index(path: Path) -> tuple[TitleIndex, list[str]]:
    dataset = load_dataset(path)
    counts = dataset.ratings.groupby("item").size()
    popularity = [float(counts.get(i, 0)) for i in dataset.movies["movie_id"]]
    titles = dataset.movies["title"].tolist()
    return TitleIndex(titles, popularity), titles


def unresolved(index: TitleIndex, titles: list[str]) -> dict[str, list[str]]:
    """Every catalog label typed back as displayed, lowercase, with the article in front and
    without its year -> the labels that do not reach their film (its canonical copy).
    Without the year, a question listing the film among same-named ones is right, and so is
    a far better-known film of that name that lists it among its alternatives."""
    misses: dict[str, list[str]] = {}
    for row, title in enumerate(titles):
        if title == "unknown" or index.canonical[row] != row:
            continue
        forms = {"as displayed": title, "lowercase": title.lower()}
        bare = re.sub(r"\s*\(\d{4}\)\s*$", "", title)
        moved = re.match(r"^(.*), (The|A|An)$", bare)
        if moved:
            forms["article in front"] = f"{moved.group(2)} {moved.group(1)}{title[len(bare) :]}"
        forms["without year"] = bare
        for form, typed in forms.items():
            resolution = index.resolve(typed)
            hit = resolution.confident and resolution.candidates[0].index == row
            if form == "without year" and (
                resolution.status == "ambiguous" or resolution.alternatives
            ):
                hit = row in [c.index for c in resolution.candidates]
            if not hit:
                misses.setdefault(form, []).append(title)
    return misses


def test_every_ml100k_title_resolves_to_its_film(ml100k_dir: Path) -> None:
    assert unresolved(*_catalog_index(ml100k_dir)) == {}


def test_every_ml_latest_small_title_resolves_to_its_film(ml_small_dir: Path) -> None:
    assert unresolved(*_catalog_index(ml_small_dir)) == {}


def test_a_far_better_known_film_takes_a_shared_name() -> None:
    # Rating counts an order of magnitude apart: the name means the famous one, the other is
    # kept as an alternative for the reply to mention; comparable ones are still a question.
    index = TitleIndex(
        ["Halloween (1978)", "Halloween (2007)", "Psycho (1960)", "Psycho (1998)"],
        popularity=[300.0, 20.0, 90.0, 40.0],
    )
    halloween = index.resolve("halloween")
    assert (halloween.status, halloween.title) == ("normalized", "Halloween (1978)")
    assert [c.title for c in halloween.alternatives] == ["Halloween (2007)"]
    psycho = index.resolve("psycho")
    assert psycho.status == "ambiguous" and psycho.alternatives == ()
    assert [c.title for c in psycho.candidates] == ["Psycho (1960)", "Psycho (1998)"]
    # The year still picks the lesser-known one.
    assert index.resolve("halloween 2007").title == "Halloween (2007)"
    (mention,) = find_mentions(index, "my favourite horror movie is Halloween")
    assert mention.resolution.title == "Halloween (1978)"
    # Once resolved to its catalog string, the other film of that name is still reachable.
    assert [c.title for c in index.namesakes(0)] == ["Halloween (2007)"]
    assert index.namesakes(2)[0].title == "Psycho (1998)"


def test_candidates_carry_the_catalog_movie_ids() -> None:
    index = TitleIndex(["Heat (1995)", "Alien (1979)"], [10.0, 5.0], ids=[6, 1214])
    assert index.resolve("alien").movie_id == 1214
    assert [c.movie_id for c in index.resolve("heat").candidates] == [6]
    assert TitleIndex(["Heat (1995)"]).resolve("heat").movie_id == 0  # no ids: the row
    with pytest.raises(ValueError, match="one value per title"):
        TitleIndex(["Heat (1995)"], ids=[1, 2])


def test_shared_names_on_ml_latest_small(ml_small_dir: Path) -> None:
    index, _ = _catalog_index(ml_small_dir)
    for typed, film in [
        ("iron man", "Iron Man (2008)"),
        ("halloween", "Halloween (1978)"),
        ("twilight", "Twilight (2008)"),
        ("titanic", "Titanic (1997)"),
    ]:
        resolution = index.resolve(typed)
        assert resolution.title == film, typed
        assert resolution.alternatives, typed  # the other film of that name, to mention
