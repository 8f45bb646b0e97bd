"""Rules of the regex parser, one test per rule, plus labeled held-out-style messages.

The unit tests use a small hand-made catalog (no data needed).  ``HELD_OUT_*`` are messages
written with the labeling rules (../shared/eval/LABELING.md) on ML-100K titles that are not in
the dev set, in nine batches, each written before the parser was tuned on it; they need the
ML-100K sample and are scored like the dev set (>= 95% exact match).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.parsing.regex import RegexParser
from tests.bot.parsing.test_dev_set import TARGET, ml100k_parser, score
from tools.schema import FOLLOW_UP_INTENTS, INTENTS, Query
from tools.titles import TitleIndex

__all__ = ["ml100k_parser"]  # the fixture, imported for the held-out tests

GENRES = (
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
    "War", "Western",
)  # fmt: skip
TITLES = (
    "Heat (1995)", "Fargo (1996)", "Batman (1989)", "Batman Returns (1992)",
    "39 Steps, The (1935)", "8 1/2 (1963)", "Alien (1979)", "Alien 3 (1992)",
    "Manhattan Murder Mystery (1993)", "Swiss Family Robinson (1960)", "Love Jones (1997)",
    "Good Will Hunting (1997)", "Godfather, The (1972)", "Godfather: Part II, The (1974)",
    "Home Alone (1990)", "Around the World in 80 Days (1956)", "Beverly Hills Cop III (1994)",
    "Star Wars (1977)", "Kids (1995)", "Contact (1997)",
)  # fmt: skip


@pytest.fixture(scope="module")
def parser() -> RegexParser:
    return RegexParser(TitleIndex(TITLES), GENRES)


# ---------------------------------------------------------------- k: number words and traps
@pytest.mark.parametrize(
    ("text", "k"),
    [
        ("give me a dozen comedies", 12),
        ("suggest half a dozen dramas", 6),
        ("a couple of westerns please", 2),
        ("top twenty war films", 20),
        ("i want to watch a western tonight, suggest one", 1),
        ("recommend two suspenseful films", 2),
        ("noir recs, 2 please", 2),
        ("suggest a thriller", 5),
        ("some comedies please", 5),
        ("top 100 movies", 50),
    ],
)
def test_count_words(parser: RegexParser, text: str, k: int) -> None:
    assert parser.parse(text).k == k


@pytest.mark.parametrize(
    "text",
    [
        "best movies from the 70s",
        "top rated films of 1994",
        "something scary to watch at 11pm, we're 4 people",
        "my 8 year old wants a film, ideas?",
        "a romantic film for a couple",
        "anything similar to around the world in 80 days?",
        "I'd like to see films like The 39 Steps",
        "anything except horror, we have 2 kids",
        "the one with the dog, any ideas?",
    ],
)
def test_numbers_that_are_not_k(parser: RegexParser, text: str) -> None:
    assert parser.parse(text).k == 5


def test_rate_and_help_keep_default_k(parser: RegexParser) -> None:
    assert parser.parse("8 1/2 gets an 8/10 from me").k == 5
    assert parser.parse("i have 2 questions about this app").k == 5


# ---------------------------------------------------------------- genre
@pytest.mark.parametrize(
    ("text", "genre"),
    [
        ("something scary please", "Horror"),
        ("give me funny movies", "Comedy"),
        ("movies for kids", "Children's"),
        ("something for the whole family", "Children's"),
        ("cartoon recs", "Animation"),
        ("any anime?", "Animation"),
        ("science fiction please", "Sci-Fi"),
        ("sci fi films", "Sci-Fi"),
        ("space movies", "Sci-Fi"),
        ("something romantic", "Romance"),
        ("a love story tonight", "Romance"),
        ("noir recs", "Film-Noir"),
        ("cowboy movies", "Western"),
        ("something suspenseful", "Thriller"),
        ("a whodunit please", "Mystery"),
        ("documentaries please", "Documentary"),
        ("gangster films", "Crime"),
        ("something dramatic", "Drama"),
        ("adventurous films", "Adventure"),
        ("war movies", "War"),
        ("musicals for me?", "Musical"),
        ("comedies please", "Comedy"),
    ],
)
def test_genre_synonyms(parser: RegexParser, text: str, genre: str) -> None:
    assert parser.parse(text).genre == genre


@pytest.mark.parametrize(
    "text",
    [
        "nothing scary please, what would you suggest?",
        "not a comedy tonight",
        "anything except westerns",
        "not in the mood for a comedy, something else?",
        "anything but romance please",
    ],
)
def test_negated_genre_is_null(parser: RegexParser, text: str) -> None:
    assert parser.parse(text).genre is None


def test_negation_does_not_cross_a_clause(parser: RegexParser) -> None:
    assert parser.parse("no horror, but a comedy would be great").genre == "Comedy"


def test_genre_words_inside_a_title_are_not_genres(parser: RegexParser) -> None:
    assert parser.parse("rate manhattan murder mystery").genre is None
    query = parser.parse("swiss family robinson - similar movies?")
    assert (query.intent, query.genre) == ("similar_to", None)


def test_genre_qualifies_similar_to(parser: RegexParser) -> None:
    query = parser.parse("something like fargo but funnier")
    assert (query.intent, query.title, query.genre) == ("similar_to", "Fargo (1996)", "Comedy")
    assert parser.parse("a war movie like heat").genre == "War"


def test_csv_catalog_genre_spelling() -> None:
    csv_genres = tuple(g if g != "Children's" else "Children" for g in GENRES)
    parser = RegexParser(TitleIndex(TITLES), csv_genres)
    assert parser.parse("movies for kids").genre == "Children"


# ---------------------------------------------------------------- intent order
@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("popular movies similar to heat", "similar_to"),
        ("I loved fargo, what else would I like?", "similar_to"),
        ("fargo - more of those", "similar_to"),
        ("heat was ok", "rate"),
        ("rate heat", "rate"),
        ("I didn't like heat", "rate"),
        ("which films do people rate the highest?", "popular"),
        ("what's hot right now?", "popular"),
        ("crowd favourite comedies", "popular"),
        ("recommend me something good", "recommend_genre"),
        ("I'd really like something like a crime story tonight", "recommend_genre"),
        ("can you recommend a good book?", "help"),
        ("what's the best way to contact support?", "help"),
        ("hey", "help"),
        ("blah blah", "help"),
        ("thanks!", "help"),
    ],
)
def test_intent_order(parser: RegexParser, text: str, intent: str) -> None:
    assert parser.parse(text).intent == intent


def test_title_only_for_similar_and_rate(parser: RegexParser) -> None:
    assert parser.parse("movies like heat").title == "Heat (1995)"
    assert parser.parse("top action movies ever").title is None


def test_everyday_words_are_not_titles(parser: RegexParser) -> None:
    query = parser.parse("i'm home alone tonight, recommend 2 thrillers")
    assert (query.intent, query.title, query.genre, query.k) == (
        "recommend_genre",
        None,
        "Thriller",
        2,
    )
    assert parser.parse("good movies for kids").genre == "Children's"
    assert parser.parse("it's so much heat today, suggest a comedy").title is None


def test_ambiguous_and_unknown_titles_keep_the_users_words(parser: RegexParser) -> None:
    query = parser.parse("movies like star trek")
    assert (query.intent, query.title) == ("similar_to", "star trek")
    query = parser.parse("more like zorblaxia please")
    assert (query.intent, query.title) == ("similar_to", "zorblaxia")


def test_resolved_title_is_the_catalog_string(parser: RegexParser) -> None:
    assert parser.parse("films like the godfather").title == "Godfather, The (1972)"
    assert parser.parse("films like beverly hills cop 3").title == "Beverly Hills Cop III (1994)"
    assert parser.parse('I liked "Heat"').title == "Heat (1995)"


# ---------------------------------------------------------------- rating
@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("heat: 4/5", 4),
        ("heat 3 stars", 3),
        ("heat - two stars", 2),
        ("heat, 4 out of 5", 4),
        ("heat ⭐⭐⭐⭐⭐", 5),
        ("heat 8/10", 4),
        ("heat 6/10", 3),
        ("heat 10/10", 5),
        ("I loved heat", 5),
        ("heat is a masterpiece", 5),
        ("heat was amazing", 5),
        ("I liked heat", 4),
        ("heat was good", 4),
        ("I enjoyed heat", 4),
        ("heat was ok", 3),
        ("heat was fine", 3),
        ("heat? meh", 3),
        ("I didn't like heat", 2),
        ("heat was boring", 2),
        ("I hated heat", 1),
        ("heat was awful", 1),
        ("heat was terrible", 1),
        ("rate heat", None),
        ("add a rating for heat", None),
    ],
)
def test_rating_rules(parser: RegexParser, text: str, rating: int | None) -> None:
    query = parser.parse(text)
    assert (query.intent, query.title, query.rating) == ("rate", "Heat (1995)", rating)


def test_opinion_words_inside_the_title_do_not_count(parser: RegexParser) -> None:
    assert parser.parse("love jones was ok").rating == 3
    assert parser.parse("good will hunting was boring").rating == 2
    assert parser.parse("rate good will hunting").rating is None


def test_rating_only_for_rate(parser: RegexParser) -> None:
    assert parser.parse("loved heat, recommend something similar").rating is None


# ---------------------------------------------------------------- robustness
@pytest.mark.parametrize(
    "text", ["", "   ", "\x00\x01\x02", "🎬🍿", "x" * 5000, "like like like", '""', "rate"]
)
def test_never_raises(parser: RegexParser, text: str) -> None:
    query = parser.parse(text)
    assert isinstance(query, Query)
    assert 1 <= query.k <= 50


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_never_raises_on_any_text(text: str) -> None:
    query = RegexParser(TitleIndex(TITLES), GENRES).parse(text)
    assert query.intent in INTENTS
    if query.title is not None:
        assert query.intent in {"similar_to", "rate", *FOLLOW_UP_INTENTS}


def test_name(parser: RegexParser) -> None:
    assert parser.name == "regex"


# ---------------------------------------------------------------- short requests, new rules
@pytest.mark.parametrize(
    ("text", "intent", "genre"),
    [
        ("what's good tonight?", "recommend_genre", None),
        ("anything good on?", "recommend_genre", None),
        ("bored, ideas?", "recommend_genre", None),
        ("surprise me", "recommend_genre", None),
        ("entertain me", "recommend_genre", None),
        ("what's on tonight?", "recommend_genre", None),
        ("hi! any good thrillers?", "recommend_genre", "Thriller"),
        ("hello, can you suggest a comedy?", "recommend_genre", "Comedy"),
        ("thanks! any more westerns?", "recommend_genre", "Western"),
        ("what's good?", "help", None),
        ("what's on your mind", "help", None),
    ],
)
def test_short_requests_and_greetings_with_requests(
    parser: RegexParser, text: str, intent: str, genre: str | None
) -> None:
    query = parser.parse(text)
    assert (query.intent, query.genre) == (intent, genre)


@pytest.mark.parametrize(
    ("text", "k"),
    [
        ("recommend a film for kids aged 6 and 9", 5),
        ("movies for 6 or 7 year olds, give me 3", 3),
        ("recommend 3 or 4 comedies", 3),
        ("top twenty-five movies of all time", 25),
        ("top twenty five films", 25),
        ("we're twenty-five people, suggest a comedy", 5),
        ("could u pick a drama 4 me", 5),
    ],
)
def test_joined_and_compound_numbers(parser: RegexParser, text: str, k: int) -> None:
    assert parser.parse(text).k == k


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("recommend a good podcast about films?", "help"),
        ("any books on movies?", "help"),
        ("recommend a horror book", "help"),
        ("need some documentaries about music", "recommend_genre"),
        ("films about food", "recommend_genre"),
    ],
)
def test_off_topic_request_versus_film_subject(parser: RegexParser, text: str, intent: str) -> None:
    assert parser.parse(text).intent == intent


def test_what_most_people_love_is_popular(parser: RegexParser) -> None:
    query = parser.parse("which action films do most people love")
    assert (query.intent, query.genre) == ("popular", "Action")


# ---------------------------------------------------------------- rules added for batches 8-9
@pytest.mark.parametrize(
    "text",
    [
        "recommend a cookbook",
        "any good audiobooks?",
        "recommend a good bottle of wine",
        "how do you pick the movies you suggest?",
        "why do you keep recommending westerns?",
        "how does this app choose films?",
    ],
)
def test_compound_off_topic_nouns_and_questions_about_the_bot_are_help(
    parser: RegexParser, text: str
) -> None:
    assert parser.parse(text).intent == "help"


@pytest.mark.parametrize(
    "text",
    [
        "my boyfriend hates romance, can you suggest something else?",
        "I can't stand westerns, what should I watch?",
        "she doesn't like horror, suggest a film",
    ],
)
def test_dislike_verbs_negate_the_genre(parser: RegexParser, text: str) -> None:
    assert parser.parse(text).genre is None


def test_people_watching_is_popular(parser: RegexParser) -> None:
    assert parser.parse("what are people watching at the moment?").intent == "popular"
    assert parser.parse("highly regarded war films").intent == "popular"
    assert parser.parse("what's the number one movie right now").intent == "popular"


@pytest.mark.parametrize(
    ("text", "k", "genre"),
    [
        ("movies for my 2 daughters please", 5, None),
        ("my 3 kids want something funny", 5, "Comedy"),
        ("give me 6 kids movies", 6, "Children's"),
        ("a half dozen thrillers", 6, "Thriller"),
    ],
)
def test_head_counts_and_kids_films(
    parser: RegexParser, text: str, k: int, genre: str | None
) -> None:
    query = parser.parse(text)
    assert (query.k, query.genre) == (k, genre)


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("rate heat 5", 5),
        ("I'd rate heat a four", 4),
        ("my rating for heat: 3", 3),
        ("4/5 for heat", 4),
        ("three stars for heat", 3),
        ("heat wasn't great", 2),
    ],
)
def test_more_rating_forms(parser: RegexParser, text: str, rating: int) -> None:
    query = parser.parse(text)
    assert (query.intent, query.title, query.rating) == ("rate", "Heat (1995)", rating)


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        # One rule: the five-star scale in half stars, however the score is written.
        ("rate heat 4.5", 4.5),
        ("rate heat 4.5/5", 4.5),
        ("heat 2.5", None),  # a bare number without a rating verb is no score
        ("rate heat 2.5", 2.5),
        ("heat 2.5/5", 2.5),
        ("heat 2.5 stars", 2.5),
        ("heat 7/10", 3.5),
        ("heat 9/10", 4.5),
        ("heat 4.3/5", 4.5),
        ("heat 0.5/5", 0.5),
        ("heat 3.5 out of 5", 3.5),
    ],
)
def test_half_stars_are_kept(parser: RegexParser, text: str, rating: float | None) -> None:
    query = parser.parse(text)
    if rating is None:
        assert query.rating is None
    else:
        assert (query.intent, query.title, query.rating) == ("rate", "Heat (1995)", rating)


@pytest.mark.parametrize(
    "text",
    ["rate heat -3", "rate heat 0", "rate heat 6", "heat 11/10", "heat 6/5", "heat -3/5",
     "heat 0 stars", "heat 6 stars", "rate heat 11", "heat 0 out of 5"],
)  # fmt: skip
def test_out_of_range_scores_ask_again(parser: RegexParser, text: str) -> None:
    # Still a rating of Heat, but no stars to store: the bot asks for them (star buttons).
    query = parser.parse(text)
    assert (query.intent, query.title, query.rating) == ("rate", "Heat (1995)", None)


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("rate Godfather, The (1972) 4/5", "Godfather, The (1972)"),
        ("rate Godfather, The 4/5", "Godfather, The (1972)"),
        ("Godfather, The (1972) 4/5", "Godfather, The (1972)"),
        ("rate The Godfather 4/5", "Godfather, The (1972)"),
        ("rate godfather 4/5", "Godfather, The (1972)"),
        ("rate Kids (1995) 4/5", "Kids (1995)"),
        ("rate kids 4/5", "Kids (1995)"),
        ("rate alien 4/5", "Alien (1979)"),  # the README's example: a whole title, no question
        ("rate Alien 3 4/5", "Alien 3 (1992)"),
    ],
)
def test_titles_typed_as_displayed_with_a_rating(
    parser: RegexParser, typed: str, title: str
) -> None:
    query = parser.parse(typed)
    assert (query.intent, query.title, query.rating) == ("rate", title, 4)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("lol that's a terrible suggestion", "help"),
        ("thanks for the recommendations!", "help"),
        ("great picks, thank you", "help"),
        ("that's a great suggestion, any more comedies?", "recommend_genre"),
        ("good recs?", "recommend_genre"),
        ("what are your recs for tonight?", "recommend_genre"),
    ],
)
def test_feedback_on_suggestions_asks_for_nothing(
    parser: RegexParser, text: str, intent: str
) -> None:
    assert parser.parse(text).intent == intent


# ---------------------------------------------------------------- held-out-style messages
# Batch 1 (87): written before tuning on it; first run 81/87 (the 6 misses drove fixes:
# clause-wide negation, one-word titles need a cue, verb "like" vs "films like", off-topic).
# Batch 2 (56): written after batch 1 was fixed, before any tuning on it; first run 51/56.
# Batch 3 (46): same, first run 42/46 (single everyday-word titles: message-level cues added).
# Batch 4 (44): same, first run 43/44 ("rate ghost": only franchise entries make a name
# ambiguous, not "Ghost and the Darkness").
HELD_OUT_1 = [
    json.loads(line)
    for line in """
{"text": "got any good comedies for tonight?", "intent": "recommend_genre", "genre": "Comedy", "title": null, "k": 5}
{"text": "recommend three horror films", "intent": "recommend_genre", "genre": "Horror", "title": null, "k": 3}
{"text": "I'm in the mood for something with cowboys", "intent": "recommend_genre", "genre": "Western", "title": null, "k": 5}
{"text": "need a couple of kids movies for the weekend", "intent": "recommend_genre", "genre": "Children's", "title": null, "k": 2}
{"text": "show me 7 thrillers", "intent": "recommend_genre", "genre": "Thriller", "title": null, "k": 7}
{"text": "anything but romance please, what should I watch?", "intent": "recommend_genre", "genre": null, "title": null, "k": 5, "note": "negation"}
{"text": "we're 3 friends looking for a sci-fi film at 9pm", "intent": "recommend_genre", "genre": "Sci-Fi", "title": null, "k": 5, "note": "k-trap"}
{"text": "suggest a mystery", "intent": "recommend_genre", "genre": "Mystery", "title": null, "k": 5}
{"text": "give me ten dramatic movies", "intent": "recommend_genre", "genre": "Drama", "title": null, "k": 10}
{"text": "I want to watch some cartoons with my niece", "intent": "recommend_genre", "genre": "Animation", "title": null, "k": 5}
{"text": "not in the mood for a comedy, something else?", "intent": "recommend_genre", "genre": null, "title": null, "k": 5, "note": "negation"}
{"text": "my 8 year old wants a film, ideas?", "intent": "recommend_genre", "genre": null, "title": null, "k": 5, "note": "k-trap"}
{"text": "a gangster film for tonight", "intent": "recommend_genre", "genre": "Crime", "title": null, "k": 5}
{"text": "Recommend me one musical", "intent": "recommend_genre", "genre": "Musical", "title": null, "k": 1}
{"text": "docs about nature, 4 of them", "intent": "recommend_genre", "genre": "Documentary", "title": null, "k": 4}
{"text": "what's a good war film to watch?", "intent": "recommend_genre", "genre": "War", "title": null, "k": 5}
{"text": "any fantasy flicks you'd suggest?", "intent": "recommend_genre", "genre": "Fantasy", "title": null, "k": 5}
{"text": "I need something suspenseful, maybe a dozen options", "intent": "recommend_genre", "genre": "Thriller", "title": null, "k": 12}
{"text": "something to watch at home with friends, romantic please", "intent": "recommend_genre", "genre": "Romance", "title": null, "k": 5, "note": "title-word"}
{"text": "i'm home alone tonight, recommend 2 thrillers", "intent": "recommend_genre", "genre": "Thriller", "title": null, "k": 2, "note": "title-word"}
{"text": "it's cold outside, what should I watch?", "intent": "recommend_genre", "genre": null, "title": null, "k": 5}
{"text": "any scary films for a sleepover?", "intent": "recommend_genre", "genre": "Horror", "title": null, "k": 5, "note": "title-word"}
{"text": "what are the top 10 comedies of all time?", "intent": "popular", "genre": "Comedy", "title": null, "k": 10}
{"text": "most popular movies right now", "intent": "popular", "genre": null, "title": null, "k": 5}
{"text": "greatest westerns ever made", "intent": "popular", "genre": "Western", "title": null, "k": 5}
{"text": "what is everyone watching these days?", "intent": "popular", "genre": null, "title": null, "k": 5}
{"text": "highest rated horror films from the 80s", "intent": "popular", "genre": "Horror", "title": null, "k": 5, "note": "k-trap"}
{"text": "classic romantic films, give me eight", "intent": "popular", "genre": "Romance", "title": null, "k": 8}
{"text": "top fifteen thrillers", "intent": "popular", "genre": "Thriller", "title": null, "k": 15}
{"text": "which animated movies are trending", "intent": "popular", "genre": "Animation", "title": null, "k": 5}
{"text": "best documentaries, just three please", "intent": "popular", "genre": "Documentary", "title": null, "k": 3}
{"text": "fan favourite sci-fi movies", "intent": "popular", "genre": "Sci-Fi", "title": null, "k": 5}
{"text": "Show me the best musicals", "intent": "popular", "genre": "Musical", "title": null, "k": 5}
{"text": "top rated films of 1994", "intent": "popular", "genre": null, "title": null, "k": 5, "note": "k-trap"}
{"text": "most acclaimed crime movies, top 7", "intent": "popular", "genre": "Crime", "title": null, "k": 7}
{"text": "movies like the usual suspects", "intent": "similar_to", "genre": null, "title": "Usual Suspects, The (1995)", "k": 5}
{"text": "anything similar to pulp fiction?", "intent": "similar_to", "genre": null, "title": "Pulp Fiction (1994)", "k": 5}
{"text": "I loved the shawshank redemption, what else would I like?", "intent": "similar_to", "genre": null, "title": "Shawshank Redemption, The (1994)", "k": 5, "note": "keyword-trap"}
{"text": "something like toy story but scarier", "intent": "similar_to", "genre": "Horror", "title": "Toy Story (1995)", "k": 5}
{"text": "more like raiders of the lost ark please", "intent": "similar_to", "genre": null, "title": "Raiders of the Lost Ark (1981)", "k": 5}
{"text": "4 movies similar to fargo", "intent": "similar_to", "genre": null, "title": "Fargo (1996)", "k": 4}
{"text": "films like The Silence of the Lambs", "intent": "similar_to", "genre": null, "title": "Silence of the Lambs, The (1991)", "k": 5}
{"text": "like twelve monkeys, but funnier", "intent": "similar_to", "genre": "Comedy", "title": "Twelve Monkeys (1995)", "k": 5, "note": "k-trap"}
{"text": "if you liked groundhog day what else should I see", "intent": "similar_to", "genre": null, "title": "Groundhog Day (1993)", "k": 5}
{"text": "the fugitive vibes, 3 picks", "intent": "similar_to", "genre": null, "title": "Fugitive, The (1993)", "k": 3}
{"text": "more like the empire strikes back", "intent": "similar_to", "genre": null, "title": "Empire Strikes Back, The (1980)", "k": 5}
{"text": "recommend something similar to apollo 13", "intent": "similar_to", "genre": null, "title": "Apollo 13 (1995)", "k": 5, "note": "k-trap"}
{"text": "in the vein of blade runner, two suggestions", "intent": "similar_to", "genre": null, "title": "Blade Runner (1982)", "k": 2}
{"text": "movies like terminator 2", "intent": "similar_to", "genre": null, "title": "Terminator 2: Judgment Day (1991)", "k": 5, "note": "k-trap"}
{"text": "similar to jurassic park but a cartoon", "intent": "similar_to", "genre": "Animation", "title": "Jurassic Park (1993)", "k": 5}
{"text": "more like forest gump", "intent": "similar_to", "genre": null, "title": "Forrest Gump (1994)", "k": 5, "note": "typo"}
{"text": "films like shawshank", "intent": "similar_to", "genre": null, "title": "Shawshank Redemption, The (1994)", "k": 5, "note": "abbrev"}
{"text": "some movies like il postino", "intent": "similar_to", "genre": null, "title": "Postino, Il (1994)", "k": 5, "note": "alt-title"}
{"text": "what's similar to les miserables", "intent": "similar_to", "genre": null, "title": "Misérables, Les (1995)", "k": 5, "note": "alt-title"}
{"text": "star wars, more of that", "intent": "similar_to", "genre": null, "title": "Star Wars (1977)", "k": 5, "note": "keyword-trap"}
{"text": "romantic films like when harry met sally", "intent": "similar_to", "genre": "Romance", "title": "When Harry Met Sally... (1989)", "k": 5}
{"text": "Willy Wonka - similar films?", "intent": "similar_to", "genre": null, "title": "Willy Wonka and the Chocolate Factory (1971)", "k": 5}
{"text": "movies like the godfather part 2", "intent": "similar_to", "genre": null, "title": "Godfather: Part II, The (1974)", "k": 5, "note": "k-trap"}
{"text": "Pulp Fiction was amazing, recommend me something like it", "intent": "similar_to", "genre": null, "title": "Pulp Fiction (1994)", "k": 5, "note": "keyword-trap"}
{"text": "films like se7en", "intent": "similar_to", "genre": null, "title": "Seven (Se7en) (1995)", "k": 5, "note": "alt-title"}
{"text": "more like la haine", "intent": "similar_to", "genre": null, "title": "Hate (Haine, La) (1995)", "k": 5, "note": "alt-title"}
{"text": "something like der blaue engel", "intent": "similar_to", "genre": null, "title": "Blue Angel, The (Blaue Engel, Der) (1930)", "k": 5, "note": "alt-title"}
{"text": "casablanca: 5 stars", "intent": "rate", "genre": null, "title": "Casablanca (1942)", "k": 5, "rating": 5}
{"text": "I thought braveheart was boring", "intent": "rate", "genre": null, "title": "Braveheart (1995)", "k": 5, "rating": 2}
{"text": "rate the princess bride", "intent": "rate", "genre": null, "title": "Princess Bride, The (1987)", "k": 5, "rating": null}
{"text": "Titanic 6/10", "intent": "rate", "genre": null, "title": "Titanic (1997)", "k": 5, "rating": 3}
{"text": "I loved schindlers list", "intent": "rate", "genre": null, "title": "Schindler's List (1993)", "k": 5, "rating": 5}
{"text": "twister was meh", "intent": "rate", "genre": null, "title": "Twister (1996)", "k": 5, "rating": 3, "note": "title-word"}
{"text": "three out of five for the rock", "intent": "rate", "genre": null, "title": "Rock, The (1996)", "k": 5, "rating": 3, "note": "k-trap"}
{"text": "ace ventura when nature calls ⭐⭐", "intent": "rate", "genre": null, "title": "Ace Ventura: When Nature Calls (1995)", "k": 5, "rating": 2}
{"text": "didn't like the english patient", "intent": "rate", "genre": null, "title": "English Patient, The (1996)", "k": 5, "rating": 2}
{"text": "I'd give 12 monkeys a 4 out of 5", "intent": "rate", "genre": null, "title": "Twelve Monkeys (1995)", "k": 5, "rating": 4, "note": "k-trap"}
{"text": "waterworld was awful", "intent": "rate", "genre": null, "title": "Waterworld (1995)", "k": 5, "rating": 1}
{"text": "clueless - 4 stars", "intent": "rate", "genre": null, "title": "Clueless (1995)", "k": 5, "rating": 4}
{"text": "the lion king is a masterpiece", "intent": "rate", "genre": null, "title": "Lion King, The (1994)", "k": 5, "rating": 5}
{"text": "honestly liked men in black", "intent": "rate", "genre": null, "title": "Men in Black (1997)", "k": 5, "rating": 4}
{"text": "I loved les parapluies de cherbourg", "intent": "rate", "genre": null, "title": "Umbrellas of Cherbourg, The (Parapluies de Cherbourg, Les) (1964)", "k": 5, "rating": 5, "note": "alt-title"}
{"text": "ID4 was good", "intent": "rate", "genre": null, "title": "Independence Day (ID4) (1996)", "k": 5, "rating": 4, "note": "abbrev"}
{"text": "hello there", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "thank you so much!", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "who made you?", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "what's the weather like tomorrow?", "intent": "help", "genre": null, "title": null, "k": 5, "note": "keyword-trap"}
{"text": "recommend a good pizza place", "intent": "help", "genre": null, "title": null, "k": 5, "note": "keyword-trap"}
{"text": "asdfgh qwerty", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "how do I reset my password? I tried 3 times", "intent": "help", "genre": null, "title": null, "k": 5, "note": "k-trap"}
{"text": "suggest a song for my playlist", "intent": "help", "genre": null, "title": null, "k": 5, "note": "keyword-trap"}
{"text": "good morning", "intent": "help", "genre": null, "title": null, "k": 5}
""".strip().splitlines()
]
HELD_OUT_2 = [
    json.loads(line)
    for line in """
{"text": "das boot vibes please", "intent": "similar_to", "genre": null, "title": "Boot, Das (1981)", "k": 5, "note": "alt-title"}
{"text": "Could you find me five films that feel like Good Will Hunting?", "intent": "similar_to", "genre": null, "title": "Good Will Hunting (1997)", "k": 5}
{"text": "if i liked sense & sensibility what else", "intent": "similar_to", "genre": null, "title": "Sense and Sensibility (1995)", "k": 5}
{"text": "the full monty was hilarious, more like it?", "intent": "similar_to", "genre": null, "title": "Full Monty, The (1997)", "k": 5, "note": "keyword-trap"}
{"text": "trainspoting - anything similar?", "intent": "similar_to", "genre": null, "title": "Trainspotting (1996)", "k": 5, "note": "typo"}
{"text": "similar films to the big lebowski, 6 of them", "intent": "similar_to", "genre": null, "title": "Big Lebowski, The (1998)", "k": 6}
{"text": "4 weddings and a funeral - got more like that?", "intent": "similar_to", "genre": null, "title": "Four Weddings and a Funeral (1994)", "k": 5, "note": "k-trap"}
{"text": "scary movies like the shining", "intent": "similar_to", "genre": "Horror", "title": "Shining, The (1980)", "k": 5}
{"text": "what should i watch after 2001 a space odyssey?", "intent": "similar_to", "genre": null, "title": "2001: A Space Odyssey (1968)", "k": 5, "note": "k-trap, keyword-trap"}
{"text": "more stuff like the wizard of oz for my kids", "intent": "similar_to", "genre": "Children's", "title": "Wizard of Oz, The (1939)", "k": 5}
{"text": "any films along the lines of reservoir dogs?", "intent": "similar_to", "genre": null, "title": "Reservoir Dogs (1992)", "k": 5}
{"text": "the good the bad and the ugly - more westerns like it", "intent": "similar_to", "genre": "Western", "title": "Good, The Bad and The Ugly, The (1966)", "k": 5}
{"text": "similar to monty python and the holy grail", "intent": "similar_to", "genre": null, "title": "Monty Python and the Holy Grail (1974)", "k": 5}
{"text": "gimme 3 like leaving las vegas", "intent": "similar_to", "genre": null, "title": "Leaving Las Vegas (1995)", "k": 3}
{"text": "Mission Impossible style movies", "intent": "similar_to", "genre": null, "title": "Mission: Impossible (1996)", "k": 5}
{"text": "like a fish called wanda", "intent": "similar_to", "genre": null, "title": "Fish Called Wanda, A (1988)", "k": 5}
{"text": "twelve films like 12 angry men", "intent": "similar_to", "genre": null, "title": "12 Angry Men (1957)", "k": 12, "note": "k-trap"}
{"text": "more movies like snow white and the seven dwarfs", "intent": "similar_to", "genre": null, "title": "Snow White and the Seven Dwarfs (1937)", "k": 5, "note": "k-trap"}
{"text": "I really enjoyed lawrence of arabia, suggest a couple more", "intent": "similar_to", "genre": null, "title": "Lawrence of Arabia (1962)", "k": 2}
{"text": "movies like hunt for red october", "intent": "similar_to", "genre": null, "title": "Hunt for Red October, The (1990)", "k": 5}
{"text": "stuff like dr strangelove", "intent": "similar_to", "genre": null, "title": "Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb (1963)", "k": 5, "note": "abbrev"}
{"text": "similar to the city of lost children", "intent": "similar_to", "genre": null, "title": "City of Lost Children, The (1995)", "k": 5}
{"text": "rear window: 9/10", "intent": "rate", "genre": null, "title": "Rear Window (1954)", "k": 5, "rating": 5, "note": "k-trap"}
{"text": "Psycho gets 4 stars from me", "intent": "rate", "genre": null, "title": "Psycho (1960)", "k": 5, "rating": 4}
{"text": "taxi driver was fine i guess", "intent": "rate", "genre": null, "title": "Taxi Driver (1976)", "k": 5, "rating": 3}
{"text": "Just watched The Crying Game. Loved it!", "intent": "rate", "genre": null, "title": "Crying Game, The (1992)", "k": 5, "rating": 5}
{"text": "the truman show? amazing", "intent": "rate", "genre": null, "title": "Truman Show, The (1998)", "k": 5, "rating": 5}
{"text": "gone with the wind was way too long and boring", "intent": "rate", "genre": null, "title": "Gone with the Wind (1939)", "k": 5, "rating": 2}
{"text": "can I rate unforgiven?", "intent": "rate", "genre": null, "title": "Unforgiven (1992)", "k": 5, "rating": null}
{"text": "hoop dreams 2/5", "intent": "rate", "genre": null, "title": "Hoop Dreams (1994)", "k": 5, "rating": 2}
{"text": "I hate young frankenstein", "intent": "rate", "genre": null, "title": "Young Frankenstein (1974)", "k": 5, "rating": 1}
{"text": "the sting ★★★★", "intent": "rate", "genre": null, "title": "Sting, The (1973)", "k": 5, "rating": 4}
{"text": "annie hall is good", "intent": "rate", "genre": null, "title": "Annie Hall (1977)", "k": 5, "rating": 4}
{"text": "add a rating for harold and maude", "intent": "rate", "genre": null, "title": "Harold and Maude (1971)", "k": 5, "rating": null}
{"text": "some like it hot: ten out of ten", "intent": "rate", "genre": null, "title": "Some Like It Hot (1959)", "k": 5, "rating": 5, "note": "keyword-trap"}
{"text": "cinema paradiso was terrible honestly", "intent": "rate", "genre": null, "title": "Cinema Paradiso (1988)", "k": 5, "rating": 1}
{"text": "what's popular this week?", "intent": "popular", "genre": null, "title": null, "k": 5}
{"text": "the 20 greatest movies of all time please", "intent": "popular", "genre": null, "title": null, "k": 20}
{"text": "best rated kids films", "intent": "popular", "genre": "Children's", "title": null, "k": 5}
{"text": "a dozen classic noir films", "intent": "popular", "genre": "Film-Noir", "title": null, "k": 12}
{"text": "most watched westerns from the 60s, just four", "intent": "popular", "genre": "Western", "title": null, "k": 4, "note": "k-trap"}
{"text": "top whodunits", "intent": "popular", "genre": "Mystery", "title": null, "k": 5}
{"text": "I'd love some science fiction recommendations", "intent": "recommend_genre", "genre": "Sci-Fi", "title": null, "k": 5, "note": "keyword-trap"}
{"text": "please suggest 9 movies to watch with my wife", "intent": "recommend_genre", "genre": null, "title": null, "k": 9}
{"text": "anything except horror, we have 2 kids", "intent": "recommend_genre", "genre": null, "title": null, "k": 5, "note": "negation, k-trap"}
{"text": "looking for a good laugh tonight", "intent": "recommend_genre", "genre": "Comedy", "title": null, "k": 5}
{"text": "Can you suggest an anime for me?", "intent": "recommend_genre", "genre": "Animation", "title": null, "k": 5}
{"text": "mother wants a musical, give us 3", "intent": "recommend_genre", "genre": "Musical", "title": null, "k": 3, "note": "title-word"}
{"text": "friday night movie ideas, something with heat and action", "intent": "recommend_genre", "genre": "Action", "title": null, "k": 5, "note": "title-word"}
{"text": "six war films for a history buff", "intent": "recommend_genre", "genre": "War", "title": null, "k": 6}
{"text": "recommend a couple of adventurous films", "intent": "recommend_genre", "genre": "Adventure", "title": null, "k": 2}
{"text": "i'm bored", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "what can you do?", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "recommend me a restaurant near the cinema in Paris, Texas", "intent": "help", "genre": null, "title": null, "k": 5, "note": "keyword-trap, title-word"}
{"text": "thanks, that's all", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "lol ok", "intent": "help", "genre": null, "title": null, "k": 5}
""".strip().splitlines()
]
HELD_OUT_3 = [
    json.loads(line)
    for line in """
{"text": "Can you give me something similar to A Clockwork Orange?", "intent": "similar_to", "genre": null, "title": "Clockwork Orange, A (1971)", "k": 5}
{"text": "my mum adores the sound of music, find her 3 more like it", "intent": "similar_to", "genre": null, "title": "Sound of Music, The (1965)", "k": 3, "note": "keyword-trap"}
{"text": "bridge on the river kwai but with more action", "intent": "similar_to", "genre": "Action", "title": "Bridge on the River Kwai, The (1957)", "k": 5}
{"text": "recommend films resembling brazil", "intent": "similar_to", "genre": null, "title": "Brazil (1985)", "k": 5}
{"text": "What would you recommend to someone who loved The Graduate?", "intent": "similar_to", "genre": null, "title": "Graduate, The (1967)", "k": 5, "note": "keyword-trap"}
{"text": "evil dead 2 type movies", "intent": "similar_to", "genre": null, "title": "Evil Dead II (1987)", "k": 5, "note": "k-trap"}
{"text": "more horror like a nightmare on elm street", "intent": "similar_to", "genre": "Horror", "title": "Nightmare on Elm Street, A (1984)", "k": 5}
{"text": "kung fu stuff like rumble in the bronx, 10 please", "intent": "similar_to", "genre": null, "title": "Rumble in the Bronx (1995)", "k": 10}
{"text": "similar to beauty and the beast", "intent": "similar_to", "genre": null, "title": "Beauty and the Beast (1991)", "k": 5}
{"text": "like 101 dalmatians", "intent": "similar_to", "genre": null, "title": "101 Dalmatians (1996)", "k": 5, "note": "k-trap"}
{"text": "boogie nights - got anything in that style?", "intent": "similar_to", "genre": null, "title": "Boogie Nights (1997)", "k": 5}
{"text": "other films like Mr Hollands Opus", "intent": "similar_to", "genre": null, "title": "Mr. Holland's Opus (1995)", "k": 5}
{"text": "noir like the maltese falcon please", "intent": "similar_to", "genre": "Film-Noir", "title": "Maltese Falcon, The (1941)", "k": 5}
{"text": "find me two movies like donnie brasco", "intent": "similar_to", "genre": null, "title": "Donnie Brasco (1997)", "k": 2}
{"text": "gattaca vibes", "intent": "similar_to", "genre": null, "title": "Gattaca (1997)", "k": 5}
{"text": "more like the fifth element", "intent": "similar_to", "genre": null, "title": "Fifth Element, The (1997)", "k": 5, "note": "k-trap"}
{"text": "similar movies to citizen kane", "intent": "similar_to", "genre": null, "title": "Citizen Kane (1941)", "k": 5}
{"text": "starship troopers was a blast, what's similar?", "intent": "similar_to", "genre": null, "title": "Starship Troopers (1997)", "k": 5}
{"text": "the third man: 5/5", "intent": "rate", "genre": null, "title": "Third Man, The (1949)", "k": 5, "rating": 5}
{"text": "chinatown was excellent", "intent": "rate", "genre": null, "title": "Chinatown (1974)", "k": 5, "rating": 5}
{"text": "I found the big sleep boring", "intent": "rate", "genre": null, "title": "Big Sleep, The (1946)", "k": 5, "rating": 2}
{"text": "jackie brown ⭐⭐⭐⭐", "intent": "rate", "genre": null, "title": "Jackie Brown (1997)", "k": 5, "rating": 4}
{"text": "get shorty 4/10", "intent": "rate", "genre": null, "title": "Get Shorty (1995)", "k": 5, "rating": 2}
{"text": "Sunset Blvd. is a masterpiece", "intent": "rate", "genre": null, "title": "Sunset Blvd. (1950)", "k": 5, "rating": 5}
{"text": "I'd like to rate the manchurian candidate", "intent": "rate", "genre": null, "title": "Manchurian Candidate, The (1962)", "k": 5, "rating": null, "note": "keyword-trap"}
{"text": "wings of desire - 1 star", "intent": "rate", "genre": null, "title": "Wings of Desire (1987)", "k": 5, "rating": 1}
{"text": "casino was pretty good", "intent": "rate", "genre": null, "title": "Casino (1995)", "k": 5, "rating": 4, "note": "title-word"}
{"text": "swingers, hated it", "intent": "rate", "genre": null, "title": "Swingers (1996)", "k": 5, "rating": 1}
{"text": "lone star: ok", "intent": "rate", "genre": null, "title": "Lone Star (1996)", "k": 5, "rating": 3}
{"text": "rebecca two out of five", "intent": "rate", "genre": null, "title": "Rebecca (1940)", "k": 5, "rating": 2}
{"text": "what movies are trending this month?", "intent": "popular", "genre": null, "title": null, "k": 5}
{"text": "top 3 musicals ever", "intent": "popular", "genre": "Musical", "title": null, "k": 3}
{"text": "the most popular cartoons please", "intent": "popular", "genre": "Animation", "title": null, "k": 5}
{"text": "greatest war films, I want eleven", "intent": "popular", "genre": "War", "title": null, "k": 11}
{"text": "best thrillers from 1995", "intent": "popular", "genre": "Thriller", "title": null, "k": 5, "note": "k-trap"}
{"text": "Please recommend 4 romantic movies", "intent": "recommend_genre", "genre": "Romance", "title": null, "k": 4}
{"text": "something funny for a rainy day", "intent": "recommend_genre", "genre": "Comedy", "title": null, "k": 5}
{"text": "I'd like a western but not too long", "intent": "recommend_genre", "genre": "Western", "title": null, "k": 5}
{"text": "no documentaries, just suggest a movie", "intent": "recommend_genre", "genre": null, "title": null, "k": 5, "note": "negation"}
{"text": "any good crime films for 2 people at 8pm?", "intent": "recommend_genre", "genre": "Crime", "title": null, "k": 5, "note": "k-trap"}
{"text": "what should I watch with my kids tonight", "intent": "recommend_genre", "genre": "Children's", "title": null, "k": 5}
{"text": "need five mysteries", "intent": "recommend_genre", "genre": "Mystery", "title": null, "k": 5}
{"text": "who are you", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "can you order me a taxi", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "bye!", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "suggest a good novel", "intent": "help", "genre": null, "title": null, "k": 5, "note": "keyword-trap"}
""".strip().splitlines()
]
HELD_OUT_4 = [
    json.loads(line)
    for line in """
{"text": "Ok so I just finished Apocalypse Now and I want more war movies like that", "intent": "similar_to", "genre": "War", "title": "Apocalypse Now (1979)", "k": 5}
{"text": "full metal jacket: any similar recs?", "intent": "similar_to", "genre": null, "title": "Full Metal Jacket (1987)", "k": 5}
{"text": "something in the spirit of wag the dog", "intent": "similar_to", "genre": null, "title": "Wag the Dog (1997)", "k": 5}
{"text": "Top Gun!!! more like this pls", "intent": "similar_to", "genre": null, "title": "Top Gun (1986)", "k": 5}
{"text": "ET the extra terrestrial - what's similar for my daughter?", "intent": "similar_to", "genre": null, "title": "E.T. the Extra-Terrestrial (1982)", "k": 5}
{"text": "movies like mrs doubtfire", "intent": "similar_to", "genre": null, "title": "Mrs. Doubtfire (1993)", "k": 5}
{"text": "similar to dumb and dumber but romantic", "intent": "similar_to", "genre": "Romance", "title": "Dumb & Dumber (1994)", "k": 5}
{"text": "can u suggest 8 films like happy gilmore", "intent": "similar_to", "genre": null, "title": "Happy Gilmore (1996)", "k": 8}
{"text": "i enjoyed liar liar, what else is good?", "intent": "similar_to", "genre": null, "title": "Liar Liar (1997)", "k": 5}
{"text": "stuff like roman holiday", "intent": "similar_to", "genre": null, "title": "Roman Holiday (1953)", "k": 5}
{"text": "if i loved pretty woman, what should I watch next?", "intent": "similar_to", "genre": null, "title": "Pretty Woman (1990)", "k": 5}
{"text": "a room with a view... more period dramas like it", "intent": "similar_to", "genre": "Drama", "title": "Room with a View, A (1986)", "k": 5}
{"text": "films similar to red rock west", "intent": "similar_to", "genre": null, "title": "Red Rock West (1992)", "k": 5}
{"text": "like Lost Highway but less weird", "intent": "similar_to", "genre": null, "title": "Lost Highway (1997)", "k": 5}
{"text": "more like cop land, a couple please", "intent": "similar_to", "genre": null, "title": "Cop Land (1997)", "k": 2}
{"text": "Ed Wood was brilliant", "intent": "rate", "genre": null, "title": "Ed Wood (1994)", "k": 5, "rating": 5}
{"text": "big night 3/5", "intent": "rate", "genre": null, "title": "Big Night (1996)", "k": 5, "rating": 3, "note": "title-word"}
{"text": "rate ghost", "intent": "rate", "genre": null, "title": "Ghost (1990)", "k": 5, "rating": null, "note": "title-word"}
{"text": "patton - solid 8/10", "intent": "rate", "genre": null, "title": "Patton (1970)", "k": 5, "rating": 4}
{"text": "I did not like sneakers at all", "intent": "rate", "genre": null, "title": "Sneakers (1992)", "k": 5, "rating": 2}
{"text": "maverick was fun, 4 stars", "intent": "rate", "genre": null, "title": "Maverick (1994)", "k": 5, "rating": 4}
{"text": "Stargate? awful.", "intent": "rate", "genre": null, "title": "Stargate (1994)", "k": 5, "rating": 1}
{"text": "desperado is amazing", "intent": "rate", "genre": null, "title": "Desperado (1995)", "k": 5, "rating": 5}
{"text": "clerks ★★★", "intent": "rate", "genre": null, "title": "Clerks (1994)", "k": 5, "rating": 3}
{"text": "matilda was just ok", "intent": "rate", "genre": null, "title": "Matilda (1996)", "k": 5, "rating": 3}
{"text": "outbreak: terrible", "intent": "rate", "genre": null, "title": "Outbreak (1995)", "k": 5, "rating": 1, "note": "title-word"}
{"text": "kingpin, I liked it", "intent": "rate", "genre": null, "title": "Kingpin (1996)", "k": 5, "rating": 4}
{"text": "tin cup gets a 2/5", "intent": "rate", "genre": null, "title": "Tin Cup (1996)", "k": 5, "rating": 2}
{"text": "What are the highest rated adventure movies?", "intent": "popular", "genre": "Adventure", "title": null, "k": 5}
{"text": "list the 30 best films ever", "intent": "popular", "genre": null, "title": null, "k": 30}
{"text": "popular comedies pls", "intent": "popular", "genre": "Comedy", "title": null, "k": 5}
{"text": "show me classic westerns, nine of them", "intent": "popular", "genre": "Western", "title": null, "k": 9}
{"text": "what's trending in horror?", "intent": "popular", "genre": "Horror", "title": null, "k": 5}
{"text": "I'm looking for a fun family movie", "intent": "recommend_genre", "genre": "Children's", "title": null, "k": 5}
{"text": "recommend 3 sci-fi films please", "intent": "recommend_genre", "genre": "Sci-Fi", "title": null, "k": 3}
{"text": "we're a group of 6, any thriller ideas?", "intent": "recommend_genre", "genre": "Thriller", "title": null, "k": 5, "note": "k-trap"}
{"text": "give me something to watch, no westerns", "intent": "recommend_genre", "genre": null, "title": null, "k": 5, "note": "negation"}
{"text": "surprise me with a movie", "intent": "recommend_genre", "genre": null, "title": null, "k": 5}
{"text": "a drama for tonight? just one", "intent": "recommend_genre", "genre": "Drama", "title": null, "k": 1}
{"text": "ghost stories? no, I want an animated film", "intent": "recommend_genre", "genre": "Animation", "title": null, "k": 5, "note": "title-word"}
{"text": "hi! how does this thing work?", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "tell me a joke", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "qwertyuiop", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "thanks a lot, great picks", "intent": "help", "genre": null, "title": null, "k": 5}
""".strip().splitlines()
]


# Batch 5 (61) and batch 6 (61): both written and labeled before either was run, with titles
# unused by the dev set and batches 1-4.  Batch 5 first run 59/61 (k: "aged 6 and 9" took 9;
# intent: "a podcast about films" is off-topic).  Batch 6 was first run after the batch 5 fixes:
# 58/61 (intent: "documentaries about music" read as off-topic, "do most people love" not seen
# as popular; k: "twenty-five" read as 20).
HELD_OUT_5 = [
    json.loads(line)
    for line in """
{"text": "any good thrillers? 🙏", "intent": "recommend_genre", "genre": "Thriller", "title": null, "k": 5}
{"text": "pls recommend summat funny, had a rubbish day", "intent": "recommend_genre", "genre": "Comedy", "title": null, "k": 5, "note": "keyword-trap"}
{"text": "Could you suggest four films for a family film night?", "intent": "recommend_genre", "genre": "Children's", "title": null, "k": 4}
{"text": "what should i watch tonite", "intent": "recommend_genre", "genre": null, "title": null, "k": 5}
{"text": "I fancy a good cry, recommend a tearjerker drama", "intent": "recommend_genre", "genre": "Drama", "title": null, "k": 5}
{"text": "seven scifi recs plz", "intent": "recommend_genre", "genre": "Sci-Fi", "title": null, "k": 7}
{"text": "we're a couple on a date night, something romantic?", "intent": "recommend_genre", "genre": "Romance", "title": null, "k": 5, "note": "k-trap"}
{"text": "nothing with subtitles and nothing animated, just suggest something", "intent": "recommend_genre", "genre": null, "title": null, "k": 5, "note": "negation"}
{"text": "looking for a western, preferably one with Clint", "intent": "recommend_genre", "genre": "Western", "title": null, "k": 5, "note": "k-trap"}
{"text": "recommend a film for kids aged 6 and 9", "intent": "recommend_genre", "genre": "Children's", "title": null, "k": 5, "note": "k-trap"}
{"text": "Got 2 hours to kill, suggest a mystery film", "intent": "recommend_genre", "genre": "Mystery", "title": null, "k": 5, "note": "k-trap"}
{"text": "documentaries pls, three or so", "intent": "recommend_genre", "genre": "Documentary", "title": null, "k": 3}
{"text": "i'm in the mood for some war films", "intent": "recommend_genre", "genre": "War", "title": null, "k": 5}
{"text": "Suggest a single musical for tonight", "intent": "recommend_genre", "genre": "Musical", "title": null, "k": 1}
{"text": "recommend me something adventurous!!", "intent": "recommend_genre", "genre": "Adventure", "title": null, "k": 5}
{"text": "what fantasy movies would you pick for me?", "intent": "recommend_genre", "genre": "Fantasy", "title": null, "k": 5}
{"text": "need something terrifying for halloween", "intent": "recommend_genre", "genre": "Horror", "title": null, "k": 5}
{"text": "ok so long week at work, finally friday, wife's asleep, I just want a really good thriller to wind down with, anything come to mind?", "intent": "recommend_genre", "genre": "Thriller", "title": null, "k": 5, "note": "title-word"}
{"text": "more films like goodfellas pls", "intent": "similar_to", "genre": null, "title": "GoodFellas (1990)", "k": 5}
{"text": "Loved Back to the Future, what else would I like?", "intent": "similar_to", "genre": null, "title": "Back to the Future (1985)", "k": 5, "note": "keyword-trap"}
{"text": "anime like ghost in the shell", "intent": "similar_to", "genre": "Animation", "title": "Ghost in the Shell (Kokaku kidotai) (1995)", "k": 5}
{"text": "give me six movies similar to Butch Cassidy", "intent": "similar_to", "genre": null, "title": "Butch Cassidy and the Sundance Kid (1969)", "k": 6, "note": "abbrev"}
{"text": "one flew over the cuckoos nest - anything in that vein?", "intent": "similar_to", "genre": null, "title": "One Flew Over the Cuckoo's Nest (1975)", "k": 5, "note": "k-trap"}
{"text": "something like three colours: red", "intent": "similar_to", "genre": null, "title": "Three Colors: Red (1994)", "k": 5, "note": "k-trap, typo"}
{"text": "what's similar to 20000 leagues under the sea?", "intent": "similar_to", "genre": null, "title": "20,000 Leagues Under the Sea (1954)", "k": 5, "note": "k-trap"}
{"text": "star trek 4 type movies pls", "intent": "similar_to", "genre": null, "title": "Star Trek IV: The Voyage Home (1986)", "k": 5, "note": "k-trap, abbrev"}
{"text": "anything like the nutty professor but scarier", "intent": "similar_to", "genre": "Horror", "title": "Nutty Professor, The (1996)", "k": 5}
{"text": "les visiteurs was hilarious, more like it please", "intent": "similar_to", "genre": null, "title": "Visitors, The (Visiteurs, Les) (1993)", "k": 5, "note": "alt-title"}
{"text": "recommend a few films like cool hand luke", "intent": "similar_to", "genre": null, "title": "Cool Hand Luke (1967)", "k": 5}
{"text": "Films similar to It's a Wonderful Life for christmas eve?", "intent": "similar_to", "genre": null, "title": "It's a Wonderful Life (1946)", "k": 5}
{"text": "crimson tide - got 3 more like that?", "intent": "similar_to", "genre": null, "title": "Crimson Tide (1995)", "k": 3}
{"text": "similar to mr smith goes to washington", "intent": "similar_to", "genre": null, "title": "Mr. Smith Goes to Washington (1939)", "k": 5}
{"text": "I'm after something like Austin Powers, but a mystery", "intent": "similar_to", "genre": "Mystery", "title": "Austin Powers: International Man of Mystery (1997)", "k": 5, "note": "abbrev"}
{"text": "What would you recommend to someone who loved raising arizona?", "intent": "similar_to", "genre": null, "title": "Raising Arizona (1987)", "k": 5, "note": "keyword-trap"}
{"text": "miracle on 34th st vibes, a couple please", "intent": "similar_to", "genre": null, "title": "Miracle on 34th Street (1994)", "k": 2, "note": "k-trap, abbrev"}
{"text": "whats everyone watching rn", "intent": "popular", "genre": null, "title": null, "k": 5}
{"text": "Top ten crime films ever made?", "intent": "popular", "genre": "Crime", "title": null, "k": 10}
{"text": "most acclaimed documentaries", "intent": "popular", "genre": "Documentary", "title": null, "k": 5}
{"text": "the greatest musicals of the 50s and 60s", "intent": "popular", "genre": "Musical", "title": null, "k": 5, "note": "k-trap"}
{"text": "gimme the 3 highest rated cartoons", "intent": "popular", "genre": "Animation", "title": null, "k": 3}
{"text": "what are the classic film noirs everyone should see", "intent": "popular", "genre": "Film-Noir", "title": null, "k": 5}
{"text": "popular kids films", "intent": "popular", "genre": "Children's", "title": null, "k": 5}
{"text": "best rated romance films, about eight", "intent": "popular", "genre": "Romance", "title": null, "k": 8}
{"text": "top 12 westerns", "intent": "popular", "genre": "Western", "title": null, "k": 12}
{"text": "which horror movies are crowd-pleasers?", "intent": "popular", "genre": "Horror", "title": null, "k": 5}
{"text": "the all time best war films please, just one", "intent": "popular", "genre": "War", "title": null, "k": 1}
{"text": "most popular fantasy movies from 1990 to 1995", "intent": "popular", "genre": "Fantasy", "title": null, "k": 5, "note": "k-trap"}
{"text": "chungking express 8/10", "intent": "rate", "genre": null, "title": "Chungking Express (1994)", "k": 5, "rating": 4, "note": "k-trap"}
{"text": "Much Ado About Nothing was meh", "intent": "rate", "genre": null, "title": "Much Ado About Nothing (1993)", "k": 5, "rating": 3, "note": "keyword-trap"}
{"text": "as good as it gets: two out of five", "intent": "rate", "genre": null, "title": "As Good As It Gets (1997)", "k": 5, "rating": 2, "note": "keyword-trap"}
{"text": "I'd give the abyss ⭐⭐⭐⭐", "intent": "rate", "genre": null, "title": "Abyss, The (1989)", "k": 5, "rating": 4}
{"text": "really didn't like mighty aphrodite", "intent": "rate", "genre": null, "title": "Mighty Aphrodite (1995)", "k": 5, "rating": 2}
{"text": "rate the birds 1963", "intent": "rate", "genre": null, "title": "Birds, The (1963)", "k": 5, "rating": null, "note": "k-trap"}
{"text": "event horizon was terrifying af, loved it", "intent": "rate", "genre": null, "title": "Event Horizon (1997)", "k": 5, "rating": 5, "note": "keyword-trap"}
{"text": "dead man walking: masterpiece", "intent": "rate", "genre": null, "title": "Dead Man Walking (1995)", "k": 5, "rating": 5}
{"text": "hello there! what can u do?", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "recommend a good podcast about films?", "intent": "help", "genre": null, "title": null, "k": 5, "note": "keyword-trap"}
{"text": "asdfgh jkl", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "thank u so much!! 😊", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "how do I delete my 3 ratings?", "intent": "help", "genre": null, "title": null, "k": 5, "note": "k-trap, keyword-trap"}
{"text": "ok bye", "intent": "help", "genre": null, "title": null, "k": 5}
""".strip().splitlines()
]
HELD_OUT_6 = [
    json.loads(line)
    for line in """
{"text": "hey! got any horror recs?", "intent": "recommend_genre", "genre": "Horror", "title": null, "k": 5}
{"text": "recommend me a couple of cartoons for my niece", "intent": "recommend_genre", "genre": "Animation", "title": null, "k": 2}
{"text": "Something light-hearted and funny for a Sunday afternoon please", "intent": "recommend_genre", "genre": "Comedy", "title": null, "k": 5}
{"text": "suggest eleven movies", "intent": "recommend_genre", "genre": null, "title": null, "k": 11}
{"text": "I want a film noir tonight", "intent": "recommend_genre", "genre": "Film-Noir", "title": null, "k": 5}
{"text": "any sci fi you'd recommend for a 12 year old?", "intent": "recommend_genre", "genre": "Sci-Fi", "title": null, "k": 5, "note": "k-trap"}
{"text": "not feeling drama tonight, what else would you suggest?", "intent": "recommend_genre", "genre": null, "title": null, "k": 5, "note": "negation, keyword-trap"}
{"text": "Recommend a dozen adventure movies", "intent": "recommend_genre", "genre": "Adventure", "title": null, "k": 12}
{"text": "kids film for a rainy day?", "intent": "recommend_genre", "genre": "Children's", "title": null, "k": 5}
{"text": "Can u suggest 4 whodunnits", "intent": "recommend_genre", "genre": "Mystery", "title": null, "k": 4}
{"text": "fancy a cowboy film, ideas?", "intent": "recommend_genre", "genre": "Western", "title": null, "k": 5}
{"text": "what should I put on for date night? something romantic", "intent": "recommend_genre", "genre": "Romance", "title": null, "k": 5}
{"text": "please recommend one gangster movie", "intent": "recommend_genre", "genre": "Crime", "title": null, "k": 1}
{"text": "need some documentaries about music", "intent": "recommend_genre", "genre": "Documentary", "title": null, "k": 5, "note": "keyword-trap"}
{"text": "a musical for my mum who's turning 70?", "intent": "recommend_genre", "genre": "Musical", "title": null, "k": 5, "note": "k-trap"}
{"text": "we're 3 mates, suggest a war film", "intent": "recommend_genre", "genre": "War", "title": null, "k": 5, "note": "k-trap"}
{"text": "looking for a fantasy film, nothing too long", "intent": "recommend_genre", "genre": "Fantasy", "title": null, "k": 5}
{"text": "watching with my mother tonight, any good dramas?", "intent": "recommend_genre", "genre": "Drama", "title": null, "k": 5, "note": "title-word"}
{"text": "movies like babe?", "intent": "similar_to", "genre": null, "title": "Babe (1995)", "k": 5}
{"text": "I really enjoyed emma, anything similar?", "intent": "similar_to", "genre": null, "title": "Emma (1996)", "k": 5}
{"text": "films in the same spirit as mouse hunt", "intent": "similar_to", "genre": null, "title": "Mouse Hunt (1997)", "k": 5}
{"text": "recommend something similar to air force one", "intent": "similar_to", "genre": null, "title": "Air Force One (1997)", "k": 5, "note": "k-trap"}
{"text": "face off was sick, show me more like that", "intent": "similar_to", "genre": null, "title": "Face/Off (1997)", "k": 5}
{"text": "life of brian style comedies", "intent": "similar_to", "genre": "Comedy", "title": "Monty Python's Life of Brian (1979)", "k": 5, "note": "abbrev"}
{"text": "wrath of khan - 4 more like it", "intent": "similar_to", "genre": null, "title": "Star Trek: The Wrath of Khan (1982)", "k": 4, "note": "abbrev"}
{"text": "manon des sources, anything similar?", "intent": "similar_to", "genre": null, "title": "Manon of the Spring (Manon des sources) (1986)", "k": 5, "note": "alt-title"}
{"text": "What else is there like Breakfast at Tiffanys?", "intent": "similar_to", "genre": null, "title": "Breakfast at Tiffany's (1961)", "k": 5, "note": "typo"}
{"text": "films like naked gun 33 1/3", "intent": "similar_to", "genre": null, "title": "Naked Gun 33 1/3: The Final Insult (1994)", "k": 5, "note": "k-trap"}
{"text": "mash - similar stuff please", "intent": "similar_to", "genre": null, "title": "M*A*S*H (1970)", "k": 5, "note": "abbrev"}
{"text": "I loved To Kill a Mockingbird. Got any recommendations in that style?", "intent": "similar_to", "genre": null, "title": "To Kill a Mockingbird (1962)", "k": 5}
{"text": "scary films like interview with the vampire", "intent": "similar_to", "genre": "Horror", "title": "Interview with the Vampire (1994)", "k": 5}
{"text": "anything like hot shots part deux?", "intent": "similar_to", "genre": null, "title": "Hot Shots! Part Deux (1993)", "k": 5}
{"text": "Three Musketeers (1993) type adventure movies, three please", "intent": "similar_to", "genre": "Adventure", "title": "Three Musketeers, The (1993)", "k": 3, "note": "k-trap"}
{"text": "twelfth night - more of the same, ta", "intent": "similar_to", "genre": null, "title": "Twelfth Night (1996)", "k": 5}
{"text": "addams family values, similar films?", "intent": "similar_to", "genre": null, "title": "Addams Family Values (1993)", "k": 5, "note": "keyword-trap"}
{"text": "most watched films this year?", "intent": "popular", "genre": null, "title": null, "k": 5}
{"text": "top twenty-five movies of all time", "intent": "popular", "genre": null, "title": null, "k": 25}
{"text": "the best adventure films ever?", "intent": "popular", "genre": "Adventure", "title": null, "k": 5}
{"text": "highest rated kids movies, top 4", "intent": "popular", "genre": "Children's", "title": null, "k": 4}
{"text": "famous film noir everyone should see", "intent": "popular", "genre": "Film-Noir", "title": null, "k": 5}
{"text": "greatest sci-fi of the 80s", "intent": "popular", "genre": "Sci-Fi", "title": null, "k": 5, "note": "k-trap"}
{"text": "Best comedies ever made? give me fifteen", "intent": "popular", "genre": "Comedy", "title": null, "k": 15}
{"text": "what mystery films are popular at the moment", "intent": "popular", "genre": "Mystery", "title": null, "k": 5}
{"text": "classic musicals", "intent": "popular", "genre": "Musical", "title": null, "k": 5}
{"text": "top rated dramas from 1995", "intent": "popular", "genre": "Drama", "title": null, "k": 5, "note": "k-trap"}
{"text": "which action films do most people love", "intent": "popular", "genre": "Action", "title": null, "k": 5, "note": "keyword-trap"}
{"text": "iconic westerns, just the top 3", "intent": "popular", "genre": "Western", "title": null, "k": 3}
{"text": "old yeller made me cry, 5 stars", "intent": "rate", "genre": null, "title": "Old Yeller (1957)", "k": 5, "rating": 5}
{"text": "Duck Soup? 10/10", "intent": "rate", "genre": null, "title": "Duck Soup (1933)", "k": 5, "rating": 5}
{"text": "strange days was alright i guess", "intent": "rate", "genre": null, "title": "Strange Days (1995)", "k": 5, "rating": 3}
{"text": "notorious - 3/5", "intent": "rate", "genre": null, "title": "Notorious (1946)", "k": 5, "rating": 3}
{"text": "Vertigo is overrated tbh", "intent": "rate", "genre": null, "title": "Vertigo (1958)", "k": 5, "rating": 2}
{"text": "I'd rate grosse pointe blank four stars", "intent": "rate", "genre": null, "title": "Grosse Pointe Blank (1997)", "k": 5, "rating": 4}
{"text": "cinderella was dreadful", "intent": "rate", "genre": null, "title": "Cinderella (1950)", "k": 5, "rating": 1}
{"text": "clear and present danger, enjoyed it", "intent": "rate", "genre": null, "title": "Clear and Present Danger (1994)", "k": 5, "rating": 4}
{"text": "good evening bot", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "can you suggest a restaurant near me?", "intent": "help", "genre": null, "title": null, "k": 5, "note": "keyword-trap"}
{"text": "who made you?", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "lol", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "what's the weather like in 2 days?", "intent": "help", "genre": null, "title": null, "k": 5, "note": "k-trap, keyword-trap"}
{"text": "i need help with my account password", "intent": "help", "genre": null, "title": null, "k": 5}
""".strip().splitlines()
]


# Batch 7 (41): an extra unseen check, written and labeled after the batch 6 fixes, before
# running it; first run 39/41 (k: text-speak "a drama 4 me"; title: "henry 5" for "Henry V").
HELD_OUT_7 = [
    json.loads(line)
    for line in """
{"text": "hi there, could you find me 2 good musicals?", "intent": "recommend_genre", "genre": "Musical", "title": null, "k": 2}
{"text": "yo recommend summin scary for 2nite", "intent": "recommend_genre", "genre": "Horror", "title": null, "k": 5, "note": "k-trap"}
{"text": "something with gangsters pls", "intent": "recommend_genre", "genre": "Crime", "title": null, "k": 5}
{"text": "any westerns you reckon I'd like?", "intent": "recommend_genre", "genre": "Western", "title": null, "k": 5, "note": "keyword-trap"}
{"text": "I'd love a couple of good kids' films", "intent": "recommend_genre", "genre": "Children's", "title": null, "k": 2}
{"text": "Fancy watching a documentary, what've you got?", "intent": "recommend_genre", "genre": "Documentary", "title": null, "k": 5}
{"text": "no war films please, what else do you suggest", "intent": "recommend_genre", "genre": null, "title": null, "k": 5, "note": "negation"}
{"text": "find me a sci-fi film that's not too long, we start at 8", "intent": "recommend_genre", "genre": "Sci-Fi", "title": null, "k": 5, "note": "k-trap"}
{"text": "give me nine thrillers", "intent": "recommend_genre", "genre": "Thriller", "title": null, "k": 9}
{"text": "could u pick a drama 4 me", "intent": "recommend_genre", "genre": "Drama", "title": null, "k": 5, "note": "k-trap"}
{"text": "hey, a romantic film to watch with my partner?", "intent": "recommend_genre", "genre": "Romance", "title": null, "k": 5}
{"text": "more like free willy 2", "intent": "similar_to", "genre": null, "title": "Free Willy 2: The Adventure Home (1995)", "k": 5, "note": "k-trap"}
{"text": "films like the amityville horror", "intent": "similar_to", "genre": null, "title": "Amityville Horror, The (1979)", "k": 5, "note": "keyword-trap"}
{"text": "i liked the long kiss goodnight, got anything similar?", "intent": "similar_to", "genre": null, "title": "Long Kiss Goodnight, The (1996)", "k": 5, "note": "keyword-trap"}
{"text": "four movies like to be or not to be", "intent": "similar_to", "genre": null, "title": "To Be or Not to Be (1942)", "k": 4, "note": "keyword-trap"}
{"text": "a streetcar named desire type of thing, 2 recs", "intent": "similar_to", "genre": null, "title": "Streetcar Named Desire, A (1951)", "k": 2}
{"text": "Anything similar to Bram Stokers Dracula but funnier?", "intent": "similar_to", "genre": "Comedy", "title": "Bram Stoker's Dracula (1992)", "k": 5, "note": "typo"}
{"text": "mitt liv som hund — more like that please", "intent": "similar_to", "genre": null, "title": "My Life as a Dog (Mitt liv som hund) (1985)", "k": 5, "note": "alt-title"}
{"text": "henry 5 similar films", "intent": "similar_to", "genre": null, "title": "Henry V (1989)", "k": 5, "note": "k-trap"}
{"text": "recommend films resembling the great escape", "intent": "similar_to", "genre": null, "title": "Great Escape, The (1963)", "k": 5}
{"text": "If I loved cat on a hot tin roof what should I watch next", "intent": "similar_to", "genre": null, "title": "Cat on a Hot Tin Roof (1958)", "k": 5}
{"text": "kids in the hall brain candy - similar comedies?", "intent": "similar_to", "genre": "Comedy", "title": "Kids in the Hall: Brain Candy (1996)", "k": 5, "note": "keyword-trap"}
{"text": "a grand day out, more of those pls", "intent": "similar_to", "genre": null, "title": "Grand Day Out, A (1992)", "k": 5}
{"text": "top 7 family films of all time", "intent": "popular", "genre": "Children's", "title": null, "k": 7}
{"text": "what's trending at the moment", "intent": "popular", "genre": null, "title": null, "k": 5}
{"text": "the most famous gangster films", "intent": "popular", "genre": "Crime", "title": null, "k": 5}
{"text": "Greatest documentaries ever, twenty please", "intent": "popular", "genre": "Documentary", "title": null, "k": 20}
{"text": "highest rated musicals from the 60s", "intent": "popular", "genre": "Musical", "title": null, "k": 5, "note": "k-trap"}
{"text": "popular romantic movies?", "intent": "popular", "genre": "Romance", "title": null, "k": 5}
{"text": "best horror movies of all time, give me a dozen", "intent": "popular", "genre": "Horror", "title": null, "k": 12}
{"text": "all-time classic animated films", "intent": "popular", "genre": "Animation", "title": null, "k": 5}
{"text": "richard iii: 4 stars", "intent": "rate", "genre": null, "title": "Richard III (1995)", "k": 5, "rating": 4, "note": "k-trap"}
{"text": "the devil's advocate was garbage", "intent": "rate", "genre": null, "title": "Devil's Advocate, The (1997)", "k": 5, "rating": 1}
{"text": "breaking the waves ⭐⭐⭐⭐⭐", "intent": "rate", "genre": null, "title": "Breaking the Waves (1996)", "k": 5, "rating": 5}
{"text": "some kind of wonderful was fine", "intent": "rate", "genre": null, "title": "Some Kind of Wonderful (1987)", "k": 5, "rating": 3, "note": "keyword-trap"}
{"text": "I didn't enjoy smilla's sense of snow", "intent": "rate", "genre": null, "title": "Smilla's Sense of Snow (1997)", "k": 5, "rating": 2}
{"text": "add a rating for the killing fields", "intent": "rate", "genre": null, "title": "Killing Fields, The (1984)", "k": 5, "rating": null}
{"text": "good morning!", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "what languages do you speak?", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "recommend me a good pizza place", "intent": "help", "genre": null, "title": null, "k": 5, "note": "keyword-trap"}
{"text": "zzzzz", "intent": "help", "genre": null, "title": null, "k": 5}
""".strip().splitlines()
]


# Batch 8 (61): written and labeled after batch 7, before running it; first run 59/61
# (intent 2: "recommend a cookbook" -> compound off-topic nouns; "how do you pick the movies
# you suggest?" -> questions about the bot itself are help).
HELD_OUT_8 = [
    json.loads(line)
    for line in """
{"text": "recomend me a thriller for tonight pls", "intent": "recommend_genre", "genre": "Thriller", "title": null, "k": 5}
{"text": "my wife and I are looking for a love story for our anniversary", "intent": "recommend_genre", "genre": "Romance", "title": null, "k": 5}
{"text": "Suggest six science fiction films", "intent": "recommend_genre", "genre": "Sci-Fi", "title": null, "k": 6}
{"text": "what cartoons would suit a 5 year old?", "intent": "recommend_genre", "genre": "Animation", "title": null, "k": 5, "note": "k-trap"}
{"text": "Give me a handful of westerns", "intent": "recommend_genre", "genre": "Western", "title": null, "k": 5}
{"text": "I could go for a good mystery film tonight", "intent": "recommend_genre", "genre": "Mystery", "title": null, "k": 5}
{"text": "anything except horror, we're a group of 6", "intent": "recommend_genre", "genre": null, "title": null, "k": 5, "note": "negation, k-trap"}
{"text": "recommend 8 adventure movies", "intent": "recommend_genre", "genre": "Adventure", "title": null, "k": 8}
{"text": "recommend some documentaries about the ocean", "intent": "recommend_genre", "genre": "Documentary", "title": null, "k": 5}
{"text": "We fancy something dramatic tonight, two suggestions please", "intent": "recommend_genre", "genre": "Drama", "title": null, "k": 2}
{"text": "a couple of musicals for the weekend?", "intent": "recommend_genre", "genre": "Musical", "title": null, "k": 2}
{"text": "find me one film noir", "intent": "recommend_genre", "genre": "Film-Noir", "title": null, "k": 1}
{"text": "i wanna see a fantasy movie, something with dragons", "intent": "recommend_genre", "genre": "Fantasy", "title": null, "k": 5}
{"text": "suggest a crime flick from the 1970s", "intent": "recommend_genre", "genre": "Crime", "title": null, "k": 5, "note": "k-trap"}
{"text": "what should I watch? nothing too scary", "intent": "recommend_genre", "genre": null, "title": null, "k": 5, "note": "negation"}
{"text": "Three war films for a history buff?", "intent": "recommend_genre", "genre": "War", "title": null, "k": 3}
{"text": "give me something to watch, i'm 14", "intent": "recommend_genre", "genre": null, "title": null, "k": 5, "note": "k-trap"}
{"text": "more films like die hard 2 please", "intent": "similar_to", "genre": null, "title": "Die Hard 2 (1990)", "k": 5, "note": "k-trap"}
{"text": "star trek 6 - anything similar?", "intent": "similar_to", "genre": null, "title": "Star Trek VI: The Undiscovered Country (1991)", "k": 5, "note": "k-trap"}
{"text": "my wife and I loved the madness of king george, what else would we enjoy?", "intent": "similar_to", "genre": null, "title": "Madness of King George, The (1994)", "k": 5}
{"text": "films like sex lies and videotape", "intent": "similar_to", "genre": null, "title": "Sex, Lies, and Videotape (1989)", "k": 5}
{"text": "wallace and gromit style films, 3 of them", "intent": "similar_to", "genre": null, "title": "Wallace & Gromit: The Best of Aardman Animation (1996)", "k": 3}
{"text": "something like jean de florette", "intent": "similar_to", "genre": null, "title": "Jean de Florette (1986)", "k": 5}
{"text": "le grand bleu - similar films?", "intent": "similar_to", "genre": null, "title": "Big Blue, The (Grand bleu, Le) (1988)", "k": 5, "note": "alt-title"}
{"text": "anything like singin in the rain but more romantic", "intent": "similar_to", "genre": "Romance", "title": "Singin' in the Rain (1952)", "k": 5}
{"text": "Ace Ventura Pet Detective vibes please", "intent": "similar_to", "genre": null, "title": "Ace Ventura: Pet Detective (1994)", "k": 5}
{"text": "I adored eat drink man woman, recommend 4 similar ones", "intent": "similar_to", "genre": null, "title": "Eat Drink Man Woman (1994)", "k": 4}
{"text": "sabrina 1954 - more like it", "intent": "similar_to", "genre": null, "title": "Sabrina (1954)", "k": 5, "note": "k-trap"}
{"text": "what's similar to paths of glory?", "intent": "similar_to", "genre": null, "title": "Paths of Glory (1957)", "k": 5}
{"text": "more like robin hood men in tights", "intent": "similar_to", "genre": null, "title": "Robin Hood: Men in Tights (1993)", "k": 5}
{"text": "seventh seal - similar?", "intent": "similar_to", "genre": null, "title": "Seventh Seal, The (Sjunde inseglet, Det) (1957)", "k": 5}
{"text": "give me two films like heavenly creatures", "intent": "similar_to", "genre": null, "title": "Heavenly Creatures (1994)", "k": 2}
{"text": "films like the hunchback of notre dame but animated", "intent": "similar_to", "genre": "Animation", "title": "Hunchback of Notre Dame, The (1996)", "k": 5}
{"text": "Mrs Brown reminded me of my gran, more like that?", "intent": "similar_to", "genre": null, "title": "Mrs. Brown (Her Majesty, Mrs. Brown) (1997)", "k": 5}
{"text": "If you liked dark city what else should I try", "intent": "similar_to", "genre": null, "title": "Dark City (1998)", "k": 5}
{"text": "what's everyone watching these days?", "intent": "popular", "genre": null, "title": null, "k": 5}
{"text": "top ten thrillers of all time", "intent": "popular", "genre": "Thriller", "title": null, "k": 10}
{"text": "best rated films of 1997", "intent": "popular", "genre": null, "title": null, "k": 5, "note": "k-trap"}
{"text": "which comedies are the most popular right now", "intent": "popular", "genre": "Comedy", "title": null, "k": 5}
{"text": "greatest westerns ever made, top 15", "intent": "popular", "genre": "Western", "title": null, "k": 15}
{"text": "highest-rated anime?", "intent": "popular", "genre": "Animation", "title": null, "k": 5}
{"text": "most acclaimed war films, half a dozen", "intent": "popular", "genre": "War", "title": null, "k": 6}
{"text": "classic horror from the 1930s", "intent": "popular", "genre": "Horror", "title": null, "k": 5, "note": "k-trap"}
{"text": "what are the top 3 crime films", "intent": "popular", "genre": "Crime", "title": null, "k": 3}
{"text": "fan favourite sci-fi flicks", "intent": "popular", "genre": "Sci-Fi", "title": null, "k": 5}
{"text": "best documentaries of the decade", "intent": "popular", "genre": "Documentary", "title": null, "k": 5}
{"text": "Most popular romance films, 20 please", "intent": "popular", "genre": "Romance", "title": null, "k": 20}
{"text": "star trek v the final frontier: 2/5", "intent": "rate", "genre": null, "title": "Star Trek V: The Final Frontier (1989)", "k": 5, "rating": 2, "note": "k-trap"}
{"text": "give the great dictator 5 stars", "intent": "rate", "genre": null, "title": "Great Dictator, The (1940)", "k": 5, "rating": 5}
{"text": "delicatessen was amazing", "intent": "rate", "genre": null, "title": "Delicatessen (1991)", "k": 5, "rating": 5}
{"text": "platoon, 3 out of 5", "intent": "rate", "genre": null, "title": "Platoon (1986)", "k": 5, "rating": 3}
{"text": "I didn't like funny face", "intent": "rate", "genre": null, "title": "Funny Face (1957)", "k": 5, "rating": 2, "note": "keyword-trap"}
{"text": "glory (1989) ⭐⭐⭐⭐", "intent": "rate", "genre": null, "title": "Glory (1989)", "k": 5, "rating": 4, "note": "title-word"}
{"text": "rate dumbo for me", "intent": "rate", "genre": null, "title": "Dumbo (1941)", "k": 5, "rating": null}
{"text": "akira 6/10", "intent": "rate", "genre": null, "title": "Akira (1988)", "k": 5, "rating": 3}
{"text": "hello again!", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "thx, that's all", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "how do you pick the movies you suggest?", "intent": "help", "genre": null, "title": null, "k": 5, "note": "keyword-trap"}
{"text": "recommend a cookbook", "intent": "help", "genre": null, "title": null, "k": 5, "note": "keyword-trap"}
{"text": "qwerty uiop", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "can you order me a taxi at 9?", "intent": "help", "genre": null, "title": null, "k": 5, "note": "k-trap"}
""".strip().splitlines()
]


# Batch 9 (62): written and labeled after the batch 8 fixes, before running it; first run
# 58/62 (genre 1: "hates romance" -> dislike verbs negate; k 1: "star trek 3 search for spock"
# -> subtitle article may be left out; intent 2: "what are people watching" -> popular,
# "a good bottle of wine" -> more off-topic nouns).
HELD_OUT_9 = [
    json.loads(line)
    for line in """
{"text": "Could you reccomend a funny film for a rainy afternoon?", "intent": "recommend_genre", "genre": "Comedy", "title": null, "k": 5}
{"text": "need 2 kid-friendly films, the kids are 4 and 7", "intent": "recommend_genre", "genre": "Children's", "title": null, "k": 2, "note": "k-trap"}
{"text": "something terrifying for friday night", "intent": "recommend_genre", "genre": "Horror", "title": null, "k": 5, "note": "title-word"}
{"text": "pls suggest twelve feel-good comedies", "intent": "recommend_genre", "genre": "Comedy", "title": null, "k": 12}
{"text": "i'd like an anime film tonight", "intent": "recommend_genre", "genre": "Animation", "title": null, "k": 5}
{"text": "my boyfriend hates romance, can you suggest something else?", "intent": "recommend_genre", "genre": null, "title": null, "k": 5, "note": "negation"}
{"text": "show me 4 gangster films", "intent": "recommend_genre", "genre": "Crime", "title": null, "k": 4}
{"text": "what should my parents watch? they're both 70 and love westerns", "intent": "recommend_genre", "genre": "Western", "title": null, "k": 5, "note": "k-trap"}
{"text": "Recommend a whodunnit, ideally from the 40s", "intent": "recommend_genre", "genre": "Mystery", "title": null, "k": 5, "note": "k-trap"}
{"text": "a suspense film under 2 hours?", "intent": "recommend_genre", "genre": "Thriller", "title": null, "k": 5, "note": "k-trap"}
{"text": "could use some animated films for the grandkids, three would be great", "intent": "recommend_genre", "genre": "Animation", "title": null, "k": 3}
{"text": "documentary suggestions please, something about history", "intent": "recommend_genre", "genre": "Documentary", "title": null, "k": 5}
{"text": "i'm after a good drama, just 1", "intent": "recommend_genre", "genre": "Drama", "title": null, "k": 1}
{"text": "Got any adventure flicks? need about seven", "intent": "recommend_genre", "genre": "Adventure", "title": null, "k": 7}
{"text": "fancy some sci-fi tonight, nothing with aliens", "intent": "recommend_genre", "genre": "Sci-Fi", "title": null, "k": 5, "note": "title-word"}
{"text": "what musical should we watch tonight, we're 3", "intent": "recommend_genre", "genre": "Musical", "title": null, "k": 5, "note": "k-trap"}
{"text": "recommend me something, i don't care what", "intent": "recommend_genre", "genre": null, "title": null, "k": 5}
{"text": "films like home alone 3", "intent": "similar_to", "genre": null, "title": "Home Alone 3 (1997)", "k": 5, "note": "k-trap"}
{"text": "free willy 3 - similar kids films?", "intent": "similar_to", "genre": "Children's", "title": "Free Willy 3: The Rescue (1997)", "k": 5, "note": "k-trap"}
{"text": "any films like the lost world jurassic park", "intent": "similar_to", "genre": null, "title": "Lost World: Jurassic Park, The (1997)", "k": 5}
{"text": "something along the lines of mrs dalloway", "intent": "similar_to", "genre": null, "title": "Mrs. Dalloway (1997)", "k": 5}
{"text": "i loved weekend at bernies, what else would I like?", "intent": "similar_to", "genre": null, "title": "Weekend at Bernie's (1989)", "k": 5, "note": "typo"}
{"text": "Crows and Sparrows-style films?", "intent": "similar_to", "genre": null, "title": "Crows and Sparrows (1949)", "k": 5}
{"text": "ghost and mrs muir, anything similar", "intent": "similar_to", "genre": null, "title": "Ghost and Mrs. Muir, The (1947)", "k": 5}
{"text": "movies like halloween the curse of michael myers", "intent": "similar_to", "genre": null, "title": "Halloween: The Curse of Michael Myers (1995)", "k": 5}
{"text": "belle de jour — what's similar?", "intent": "similar_to", "genre": null, "title": "Belle de jour (1967)", "k": 5}
{"text": "I'm a huge fan of the brady bunch movie, recommend similar comedies", "intent": "similar_to", "genre": "Comedy", "title": "Brady Bunch Movie, The (1995)", "k": 5}
{"text": "looking for 3 films similar to seven years in tibet", "intent": "similar_to", "genre": null, "title": "Seven Years in Tibet (1997)", "k": 3, "note": "k-trap"}
{"text": "star trek 3 search for spock, more like this", "intent": "similar_to", "genre": null, "title": "Star Trek III: The Search for Spock (1984)", "k": 5, "note": "k-trap"}
{"text": "like 'that thing you do!' but newer", "intent": "similar_to", "genre": null, "title": "That Thing You Do! (1996)", "k": 5}
{"text": "things to do in denver when youre dead - similar movies", "intent": "similar_to", "genre": null, "title": "Things to Do in Denver when You're Dead (1995)", "k": 5, "note": "typo"}
{"text": "Pink Floyd The Wall type films", "intent": "similar_to", "genre": null, "title": "Pink Floyd - The Wall (1982)", "k": 5}
{"text": "My husband and I enjoyed Mrs. Parker and the Vicious Circle — what should we watch next?", "intent": "similar_to", "genre": null, "title": "Mrs. Parker and the Vicious Circle (1994)", "k": 5}
{"text": "two more like wings of the dove", "intent": "similar_to", "genre": null, "title": "Wings of the Dove, The (1997)", "k": 2}
{"text": "something like robin hood prince of thieves but a comedy", "intent": "similar_to", "genre": "Comedy", "title": "Robin Hood: Prince of Thieves (1991)", "k": 5}
{"text": "what are people watching at the moment?", "intent": "popular", "genre": null, "title": null, "k": 5}
{"text": "top twelve films of the 90s", "intent": "popular", "genre": null, "title": null, "k": 12, "note": "k-trap"}
{"text": "the highest rated children's films", "intent": "popular", "genre": "Children's", "title": null, "k": 5}
{"text": "most popular film noir", "intent": "popular", "genre": "Film-Noir", "title": null, "k": 5}
{"text": "best musicals of all time, just 4", "intent": "popular", "genre": "Musical", "title": null, "k": 4}
{"text": "what scary films are trending right now?", "intent": "popular", "genre": "Horror", "title": null, "k": 5}
{"text": "crowd pleasers from 1996", "intent": "popular", "genre": null, "title": null, "k": 5, "note": "k-trap"}
{"text": "all time best dramas? top thirty", "intent": "popular", "genre": "Drama", "title": null, "k": 30}
{"text": "what's the greatest fantasy movie ever?", "intent": "popular", "genre": "Fantasy", "title": null, "k": 5}
{"text": "acclaimed mysteries, a couple", "intent": "popular", "genre": "Mystery", "title": null, "k": 2}
{"text": "best-loved adventure films of the 80s", "intent": "popular", "genre": "Adventure", "title": null, "k": 5, "note": "k-trap"}
{"text": "which westerns does everybody love?", "intent": "popular", "genre": "Western", "title": null, "k": 5}
{"text": "scream 2 - 3 stars", "intent": "rate", "genre": null, "title": "Scream 2 (1997)", "k": 5, "rating": 3, "note": "k-trap"}
{"text": "Ran was a masterpiece", "intent": "rate", "genre": null, "title": "Ran (1985)", "k": 5, "rating": 5, "note": "title-word"}
{"text": "faces (1968): 8/10", "intent": "rate", "genre": null, "title": "Faces (1968)", "k": 5, "rating": 4}
{"text": "I hated wild things", "intent": "rate", "genre": null, "title": "Wild Things (1998)", "k": 5, "rating": 1}
{"text": "contact was meh", "intent": "rate", "genre": null, "title": "Contact (1997)", "k": 5, "rating": 3}
{"text": "I'd give the crow: city of angels two out of five", "intent": "rate", "genre": null, "title": "Crow: City of Angels, The (1996)", "k": 5, "rating": 2}
{"text": "just watched beautiful thing, rate it 5/5", "intent": "rate", "genre": null, "title": "Beautiful Thing (1996)", "k": 5, "rating": 5, "note": "keyword-trap"}
{"text": "rate booty call", "intent": "rate", "genre": null, "title": "Booty Call (1997)", "k": 5, "rating": null}
{"text": "stranger in the house was good", "intent": "rate", "genre": null, "title": "Stranger in the House (1997)", "k": 5, "rating": 4}
{"text": "good afternoon :)", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "what time is it?", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "recommend a good bottle of wine", "intent": "help", "genre": null, "title": null, "k": 5, "note": "keyword-trap"}
{"text": "thank you, very helpful", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "are you a human?", "intent": "help", "genre": null, "title": null, "k": 5}
{"text": "fdsjkl fdsk", "intent": "help", "genre": null, "title": null, "k": 5}
""".strip().splitlines()
]


@pytest.mark.parametrize(
    ("batch", "rows"),
    [
        ("batch 1", HELD_OUT_1),
        ("batch 2", HELD_OUT_2),
        ("batch 3", HELD_OUT_3),
        ("batch 4", HELD_OUT_4),
        ("batch 5", HELD_OUT_5),
        ("batch 6", HELD_OUT_6),
        ("batch 7", HELD_OUT_7),
        ("batch 8", HELD_OUT_8),
        ("batch 9", HELD_OUT_9),
    ],
)
def test_held_out_style_messages(
    ml100k_parser: RegexParser, batch: str, rows: list[dict[str, object]]
) -> None:
    accuracy, misses, errors = score(ml100k_parser, rows)
    print(f"\n{batch}: exact match {accuracy:.3f} on {len(rows)}; errors {dict(errors)}")
    print("\n".join(misses))
    assert accuracy >= TARGET, "\n".join(misses)
