import numpy as np
import pytest
import scipy.sparse as sp

from recommender.errors import ModelTooLargeError
from recommender.models import make_model
from recommender.models.blend import EaseRP3Blend, EaseRP3BlendConfig, standardize_rows
from recommender.models.ease import EASEConfig


def test_standardize_rows_by_hand() -> None:
    z = standardize_rows(np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]]))
    s = np.sqrt(2.0 / 3.0)
    np.testing.assert_allclose(z[0], [-1 / s, 0, 1 / s], rtol=1e-6)
    np.testing.assert_array_equal(z[1], [0, 0, 0])


@pytest.mark.parametrize("weight", [0.0, 0.3, 1.0])
def test_blend_is_the_weighted_sum_of_its_parts(weight: float, tiny_train: sp.csr_matrix) -> None:
    blend = make_model("ease-rp3", ease_weight=weight).fit(tiny_train)
    ease = make_model("ease").fit(tiny_train)
    rp3 = make_model("rp3beta").fit(tiny_train)
    users = np.array([0, 7, -1])
    expected = weight * standardize_rows(ease.score(users)) + (1 - weight) * standardize_rows(
        rp3.score(users)
    )
    np.testing.assert_allclose(blend.score(users), expected, rtol=1e-5, atol=1e-6)


def test_blend_refuses_what_ease_refuses() -> None:
    whole_catalog = EaseRP3BlendConfig(ease=EASEConfig(max_items=60_000))
    with pytest.raises(ModelTooLargeError, match="ease"):
        EaseRP3Blend.check_size(whole_catalog, 160_000, 60_000, 25_000_000)
    EaseRP3Blend.check_size(EaseRP3BlendConfig(), 160_000, 60_000, 25_000_000)  # EASE's head fits
