"""Content TF-IDF: our vectoriser gives scikit-learn's TfidfVectorizer's numbers without
importing it, and item documents are built per item index."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from recommender.data import Vocabulary
from recommender.models.content import item_documents, tfidf_vectors

CORPUS = [
    "genre_comedy genre_drama Toy Story pixar pixar fun",
    "genre_drama Heat heist heist heist Pacino",
    "genre_comedy Fargo snow snow Minnesota dark comedy",
    "genre_horror Alien space horror ripley ripley",
    "genre_drama Godfather mafia Pacino family family",
    "_empty_",
]


@pytest.mark.parametrize(
    ("min_df", "max_features", "sublinear"), [(1, 1000, True), (1, 1000, False), (2, 1000, True)]
)
def test_tfidf_equals_scikit_learns(min_df: int, max_features: int, sublinear: bool) -> None:
    reference = TfidfVectorizer(
        min_df=min_df,
        max_features=max_features,
        sublinear_tf=sublinear,
        token_pattern=r"(?u)\b\w\w+\b",
        dtype=np.float32,
    ).fit_transform(CORPUS)
    ours = tfidf_vectors(CORPUS, min_df, max_features, sublinear)
    assert ours.shape == reference.shape and ours.dtype == np.float32
    np.testing.assert_allclose(ours.toarray(), reference.toarray(), rtol=1e-6, atol=1e-7)


def test_max_features_keeps_the_most_frequent_terms() -> None:
    # genre_drama and heist occur 3 times in the corpus, every other term at most twice
    ours = tfidf_vectors(CORPUS, 1, 2, False)
    reference = TfidfVectorizer(max_features=2, token_pattern=r"(?u)\b\w\w+\b").fit(CORPUS)
    kept = sorted(reference.vocabulary_, key=reference.vocabulary_.__getitem__)
    assert ours.shape[1] == 2 and kept == ["genre_drama", "heist"]
    np.testing.assert_allclose(
        ours.toarray(), reference.transform(CORPUS).toarray(), rtol=1e-6, atol=1e-7
    )


def test_item_documents_follow_the_item_index() -> None:
    movies = pd.DataFrame(
        {
            "movie_id": [7, 3],
            "title": ["Heat (1995)", "Sci Fi Thing (2001)"],
            "genres": [("Action",), ("Sci-Fi", "Film-Noir")],
            "tags": ["heist", ""],
        }
    )
    items = Vocabulary(np.array([3, 99, 7]))
    docs = dict(zip(items.ids.tolist(), item_documents(movies, items), strict=True))
    assert docs[3].split() == ["genre_sci_fi", "genre_film_noir", "Sci", "Fi", "Thing"]
    assert docs[99] == ""  # not in the catalog
    assert docs[7].split() == ["genre_action", "Heat", "heist"]


def test_fitting_content_does_not_import_scikit_learn() -> None:
    code = (
        "import sys, numpy as np, scipy.sparse as sp\n"
        "from recommender.models import make_model\n"
        "train = sp.csr_matrix(np.array([[5, 0], [0, 4]], dtype=np.float32))\n"
        "make_model('content').fit(train, item_text=['genre_a heat', 'genre_b alien'])\n"
        "print('sklearn' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False"
