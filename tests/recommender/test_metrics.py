import numpy as np
import pytest

from recommender.metrics import dcg, ndcg_at_k, ranking_metrics, rmse, top_k


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
