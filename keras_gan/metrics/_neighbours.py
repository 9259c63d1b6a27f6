"""Private, memory-bounded Euclidean distance and k-NN helpers.

Shared by `precision_recall` and `density_coverage`. Distances between row
blocks are computed as `sqrt(max(||a||^2 + ||b||^2 - 2 a.b, 0))` for at most
`batch_size` rows at a time, so peak memory is about
`batch_size * num_columns * 8` bytes. No input validation: callers pass
validated float64 matrices.
"""

import numpy as np

DEFAULT_BATCH_SIZE = 1000


def iter_distance_blocks(rows, cols, batch_size=DEFAULT_BATCH_SIZE):
    """Yields `(start, block)` with the Euclidean distances of row batches.

    Args:
        rows: Float64 array of shape `(n, dim)`.
        cols: Float64 array of shape `(m, dim)`.
        batch_size: Rows per block. Defaults to 1000.

    Yields:
        `(start, block)` where `block[i, j]` is the distance between
        `rows[start + i]` and `cols[j]`; `block` has shape
        `(min(batch_size, n - start), m)` and is owned by the caller.
    """
    col_sq = np.einsum("ij,ij->i", cols, cols)
    for start in range(0, rows.shape[0], batch_size):
        batch = rows[start:start + batch_size]
        block = batch @ cols.T
        block *= -2.0
        block += np.einsum("ij,ij->i", batch, batch)[:, None]
        block += col_sq[None, :]
        np.maximum(block, 0.0, out=block)
        np.sqrt(block, out=block)
        yield start, block


def pairwise_distances(rows, cols):
    """Returns the full `(n, m)` Euclidean distance matrix (small inputs)."""
    if rows.shape[0] == 0:
        return np.zeros((0, cols.shape[0]), dtype=np.float64)
    return next(iter_distance_blocks(rows, cols, batch_size=rows.shape[0]))[1]


def knn_radii(features, k, batch_size=DEFAULT_BATCH_SIZE):
    """Returns each sample's distance to its k-th nearest neighbour (not itself).

    Args:
        features: Float64 array of shape `(n, dim)` with `n > k`.
        k: Neighbourhood size (1 = nearest other sample).
        batch_size: Rows per distance block. Defaults to 1000.

    Returns:
        Float64 array of shape `(n,)`.
    """
    radii = np.empty(features.shape[0], dtype=np.float64)
    for start, block in iter_distance_blocks(features, features, batch_size):
        rows = np.arange(block.shape[0])
        block[rows, start + rows] = np.inf  # Exclude self.
        kth = np.partition(block, k - 1, axis=1)[:, k - 1]
        radii[start:start + block.shape[0]] = kth
    return radii


def count_inside_balls(
    probes, centres, radii, *, strict, batch_size=DEFAULT_BATCH_SIZE
):
    """Counts, for each probe, the centres whose ball contains it.

    Args:
        probes: Float64 array of shape `(n, dim)`.
        centres: Float64 array of shape `(m, dim)`.
        radii: Float64 array of shape `(m,)`, the radius of each centre's ball.
        strict: If True a probe is inside when `distance < radius`
            (generative-evaluation-prdc), else when `distance <= radius`
            (NVlabs stylegan2-ada / stylegan3).
        batch_size: Rows per distance block. Defaults to 1000.

    Returns:
        Int64 array of shape `(n,)`.
    """
    counts = np.empty(probes.shape[0], dtype=np.int64)
    compare = np.less if strict else np.less_equal
    for start, block in iter_distance_blocks(probes, centres, batch_size):
        inside = compare(block, radii[None, :])
        counts[start:start + block.shape[0]] = inside.sum(axis=1)
    return counts


def nearest_distances(rows, cols, batch_size=DEFAULT_BATCH_SIZE):
    """Returns, for each row, the distance to its nearest column sample.

    Args:
        rows: Float64 array of shape `(n, dim)`.
        cols: Float64 array of shape `(m, dim)`, `m >= 1`.
        batch_size: Rows per distance block. Defaults to 1000.

    Returns:
        Float64 array of shape `(n,)`.
    """
    out = np.empty(rows.shape[0], dtype=np.float64)
    for start, block in iter_distance_blocks(rows, cols, batch_size):
        out[start:start + block.shape[0]] = block.min(axis=1)
    return out
