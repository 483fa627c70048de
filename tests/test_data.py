"""toygrad.data: determinism, shapes, labels, formulas, the split, the registry."""

import math

import numpy as np
import pytest

from toygrad.data import DATASETS, Dataset, circles, moons, sine, spiral, train_test_split, xor

LABELS = {"moons": {-1, 1}, "circles": {-1, 1}, "xor": {-1, 1}, "spiral": {0, 1, 2}}
WIDTH = {"moons": 2, "circles": 2, "xor": 2, "spiral": 2, "sine": 1}


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_same_seed_same_arrays_other_seed_other_arrays(name):
    make = DATASETS[name]
    X1, y1 = make(40, noise=0.1, seed=3)
    X2, y2 = make(40, noise=0.1, seed=3)
    X3, y3 = make(40, noise=0.1, seed=4)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", sorted(DATASETS))
@pytest.mark.parametrize("n", [12, 37])
def test_shapes_and_label_sets(name, n):
    X, y = DATASETS[name](n, seed=1)
    assert X.shape == (n, WIDTH[name]) and y.shape == (n,)
    assert X.dtype == np.float64
    if name in LABELS:
        assert set(y.tolist()) == LABELS[name]
        assert np.issubdtype(y.dtype, np.integer)
    else:
        assert y.dtype == np.float64


def test_moons_output_is_unchanged():
    X, y = moons(100, noise=0.1, seed=0)
    assert X[:2].tolist() == [[1.1119591615040791, 0.2858667250142965], [0.7763777731771127, 0.360657003647213]]
    assert y[:6].tolist() == [-1, -1, 1, 1, 1, -1]
    assert float(X.sum()) == pytest.approx(75.3052627931988, rel=1e-14)


def test_circles_radii_and_labels_without_noise():
    X, y = circles(9, noise=0.0, factor=0.3)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(radius[y == -1], 1.0) and np.allclose(radius[y == 1], 0.3)
    assert (np.sum(y == -1), np.sum(y == 1)) == (4, 5)


def test_xor_label_is_sign_of_x_times_y_and_blobs_are_balanced():
    X, y = xor(400, noise=0.6, seed=2)  # wide blobs: many points cross an axis
    assert np.array_equal(y, np.where(X[:, 0] * X[:, 1] >= 0, 1, -1))
    X0, _ = xor(8, noise=0.0)
    assert sorted(map(tuple, X0.tolist())) == sorted([(1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0), (1.0, -1.0)] * 2)


def test_spiral_n_is_the_total_dealt_evenly_over_classes():
    X, y = spiral(10, classes=3, noise=0.0)
    assert X.shape == (10, 2) and np.bincount(y).tolist() == [4, 3, 3]
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.min() == pytest.approx(0.1) and radius.max() == pytest.approx(1.0)
    assert set(spiral(20, classes=5)[1].tolist()) == {0, 1, 2, 3, 4}


def test_sine_x_range_and_formula():
    X, y = sine(2000, seed=5)
    x = X[:, 0]
    assert -2 * math.pi <= x.min() < -2 * math.pi + 0.1 and 6 * math.pi - 0.1 < x.max() < 6 * math.pi
    assert np.allclose(y, np.sin(x) ** 2 + 1)
    Xn, yn = sine(2000, noise=0.2, seed=5)
    assert np.array_equal(Xn, X)
    assert np.std(yn - y) == pytest.approx(0.2, rel=0.1)


@pytest.mark.parametrize("maker, kwargs, error, message", [
    (moons, dict(n=1), ValueError, "moons needs n >= 2, got 1"),
    (moons, dict(n=2.5), TypeError, "moons needs a whole number as n, got float 2.5"),
    (circles, dict(noise=-0.1), ValueError, "circles needs a finite noise >= 0, got -0.1"),
    (circles, dict(factor=1.0), ValueError, "factor in \\(0, 1\\), got 1.0"),
    (xor, dict(n=3), ValueError, "xor needs n >= 4, got 3"),
    (xor, dict(noise=math.inf), ValueError, "finite noise >= 0, got inf"),
    (spiral, dict(classes=1), ValueError, "spiral needs classes >= 2, got 1"),
    (spiral, dict(n=2, classes=3), ValueError, "spiral needs n >= 3, got 2"),
    (sine, dict(n=0), ValueError, "sine needs n >= 1, got 0"),
    (sine, dict(noise="0.1"), TypeError, "sine needs a number as noise, got str"),
])
def test_bad_arguments_name_the_argument_and_value(maker, kwargs, error, message):
    with pytest.raises(error, match=message):
        maker(**kwargs)


# ---------------------------------------------------------------- split


def test_split_sizes_disjoint_and_covering():
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.3, seed=1)
    assert (len(X_train), len(X_test), len(y_train), len(y_test)) == (7, 3, 7, 3)
    assert set(y_train.tolist()).isdisjoint(y_test.tolist())
    assert sorted(y_train.tolist() + y_test.tolist()) == list(range(10))
    assert np.array_equal(X_train[:, 0] // 2, y_train) and np.array_equal(X_test[:, 0] // 2, y_test)  # rows stay paired


def test_split_is_seeded():
    X, y = np.arange(40).reshape(20, 2), np.arange(20)
    first = train_test_split(X, y, seed=7)
    assert all(np.array_equal(a, b) for a, b in zip(first, train_test_split(X, y, seed=7)))
    assert set(first[3].tolist()) != set(train_test_split(X, y, seed=8)[3].tolist())


def test_split_rejects_empty_parts_and_mismatched_lengths():
    X, y = moons(10)
    with pytest.raises(ValueError, match="test_fraction 0.01 of 10 examples leaves the test part empty"):
        train_test_split(X, y, test_fraction=0.01)
    with pytest.raises(ValueError, match="test_fraction 0.99 of 10 examples leaves the training part empty"):
        train_test_split(X, y, test_fraction=0.99)
    with pytest.raises(ValueError, match="test_fraction in \\(0, 1\\), got 1"):
        train_test_split(X, y, test_fraction=1)
    with pytest.raises(ValueError, match="10 rows in X and 9 labels in y"):
        train_test_split(X, y[:9])


# ---------------------------------------------------------------- registry


def test_registry_kinds_and_summaries():
    assert {name: d.kind for name, d in DATASETS.items()} == {
        "moons": "binary", "circles": "binary", "xor": "binary", "spiral": "multiclass", "sine": "regression",
    }
    assert DATASETS["sine"].summary.startswith("Regression: ``y = sin(x)**2 + 1``")
    with pytest.raises(ValueError, match="unknown dataset kind 'ranking'"):
        Dataset(moons, "ranking")
