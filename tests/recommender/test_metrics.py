import numpy as np
import pytest
import scipy.sparse as sp

from recommender.metrics import dcg, masked_top_k, ndcg_at_k, ranking_metrics, rmse, top_k


def test_seed_worked_example_ndcg() -> None:
    # DCG = 1/1 + 0 + 1/2 = 1.5; IDCG = 1 + 1/log2(3) = 1.631; NDCG = 0.920
    assert dcg([1, 0, 1]) == pytest.approx(1.5)
    assert ndcg_at_k([1, 0, 1], 3) == pytest.approx(0.9197, abs=1e-4)
    assert ndcg_at_k([1, 0, 1], 3, n_relevant=2) == pytest.approx(0.9197, abs=1e-4)


def test_ndcg_ideal_counts_relevant_items_outside_the_list() -> None:
    # one hit at rank 1 but three relevant items exist: IDCG covers three positions
    expected = 1.0 / (1 + 1 / np.log2(3) + 1 / np.log2(4))
    assert ndcg_at_k([1, 0, 0], 3, n_relevant=3) == pytest.approx(expected)
    # the seed's self-ideal would have said 1.0 here
    assert ndcg_at_k([1, 0, 0], 3) == pytest.approx(1.0)


def test_rmse_by_hand() -> None:
    assert rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(np.sqrt(4 / 3))
    assert np.isnan(rmse([], []))


def test_top_k_orders_and_breaks_ties_by_index() -> None:
    scores = np.array([[0.1, 0.5, 0.5, -np.inf], [3.0, 2.0, 1.0, 0.0]], dtype=np.float32)
    assert top_k(scores, 2).tolist() == [[1, 2], [0, 1]]
    assert top_k(scores, 10).shape == (2, 4)


def test_ranking_metrics_by_hand() -> None:
    recommended = np.array([[0, 1, 2], [2, 1, 0]])
    rows = np.array([0, 0, 1])
    items = np.array([0, 2, 5])  # user 1's relevant item was never recommended
    m = ranking_metrics(recommended, rows, items, k=3)
    assert m.precision.tolist() == pytest.approx([2 / 3, 0.0])
    assert m.recall.tolist() == pytest.approx([1.0, 0.0])
    assert m.ndcg.tolist() == pytest.approx([0.9197, 0.0], abs=1e-4)
    assert m.mean()["precision"] == pytest.approx(1 / 3)


def test_ranking_metrics_rejects_users_without_relevant_items() -> None:
    with pytest.raises(ValueError, match="relevant"):
        ranking_metrics(np.array([[0], [1]]), np.array([0]), np.array([0]), k=1)


def test_masked_top_k_masks_before_taking_the_top() -> None:
    scores = np.array(
        [[0.9, 0.8, np.nan, 0.6, 0.5, -np.inf], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]], dtype=np.float32
    )
    keep = np.array([True, True, True, True, False, True])  # per item, for every row
    exclude = sp.csr_matrix(([1, 1], ([0, 1], [0, 5])), shape=scores.shape)  # per row
    top = masked_top_k(scores.copy(), 2, keep=keep, exclude=exclude)
    # row 0: 0 excluded, 2 NaN, 4 not kept, 5 -inf -> 1 and 3 remain; row 1: 4 and 5 masked
    assert top.indices.tolist() == [[1, 3], [3, 2]]
    assert top.valid.all() and top.available.tolist() == [2, 4]
    # k beyond what is allowed: k slots, only the allowed ones valid, best first
    wide = masked_top_k(scores.copy(), 4, keep=keep, exclude=exclude)
    assert wide.indices[0, :2].tolist() == [1, 3] and wide.valid.tolist()[0] == [1, 1, 0, 0]
    assert wide.valid[1].all() and wide.available.tolist() == [2, 4]
    # a per-row keep mask, and everything masked
    per_row = np.zeros(scores.shape, dtype=bool)
    per_row[1, 0] = True
    nothing = masked_top_k(scores.copy(), 3, keep=per_row)
    assert not nothing.valid[0].any() and nothing.available.tolist() == [0, 1]
    assert nothing.indices[1, 0] == 0 and nothing.valid[1].tolist() == [True, False, False]
    with pytest.raises(ValueError, match="exclude"):
        masked_top_k(scores.copy(), 2, exclude=sp.csr_matrix((1, 6)))


def test_top_k_takes_the_lowest_indices_among_ties_at_the_cut() -> None:
    # argpartition alone may keep any of the tied items; a longer list must extend a shorter one
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 4, size=(50, 200)).astype(np.float32)
    scores[0] = -np.inf  # a row with nothing allowed ties everywhere
    full = np.lexsort((np.tile(np.arange(200), (50, 1)), -scores), axis=1)
    for k in (1, 5, 37, 199):
        assert np.array_equal(top_k(scores, k), full[:, :k])
