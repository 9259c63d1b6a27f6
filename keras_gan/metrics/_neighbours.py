"""Private, memory-bounded Euclidean distance and k-NN helpers.

Shared by `precision_recall` and `density_coverage`. Distances between row
blocks are computed as `sqrt(max(||a||^2 + ||b||^2 - 2 a.b, 0))` for at most
`batch_size` rows at a time, so peak memory is about
`2 * batch_size * num_columns * 8` bytes (the block and its squared norms).
No input validation: callers pass validated float64 matrices.

The distances of a set to itself (`rows` and `cols` equal) are exactly
symmetric, with an exact zero diagonal: `d(i, j)` and `d(j, i)` come from one
computation, whatever the CPU's matmul kernels do. The metrics rely on it:
a sample's k-th neighbour `j` then lies exactly on its ball's boundary, seen
from either side.
"""

import numpy as np

DEFAULT_BATCH_SIZE = 1000


def _distance_block(a, b, a_sq, b_sq):
    # `a_sq[i] + b_sq[j]` is one commutative addition, so swapping `a` and `b`
    # transposes this block exactly as long as `a @ b.T` is transposed too.
    block = a @ b.T
    block *= -2.0
    block += np.add.outer(a_sq, b_sq)
    np.maximum(block, 0.0, out=block)
    np.sqrt(block, out=block)
    return block


def _same_samples(rows, cols):
    return rows is cols or (rows.shape == cols.shape and np.array_equal(rows, cols))


def _iter_self_blocks(x, sq, batch_size):
    # A matmul need not give `a_i . a_j` and `a_j . a_i` the same bits (they
    # land in different tiles or calls). So each pair of row blocks `(p, q)`
    # with `p < q` is computed from the one call
    # `_distance_block(x[p], x[q])`, repeated with the same operands when row
    # block `q` needs it, then transposed; within a diagonal block the upper
    # triangle is mirrored.
    n = x.shape[0]
    starts = list(range(0, n, batch_size))
    for start in starts:
        stop = min(start + batch_size, n)
        block = np.empty((stop - start, n), dtype=np.float64)
        for other in starts:
            other_stop = min(other + batch_size, n)
            if other < start:
                part = _distance_block(
                    x[other:other_stop],
                    x[start:stop],
                    sq[other:other_stop],
                    sq[start:stop],
                ).T
            elif other > start:
                part = _distance_block(
                    x[start:stop],
                    x[other:other_stop],
                    sq[start:stop],
                    sq[other:other_stop],
                )
            else:
                upper = np.triu(
                    _distance_block(
                        x[start:stop],
                        x[start:stop],
                        sq[start:stop],
                        sq[start:stop],
                    ),
                    k=1,
                )
                part = upper + upper.T  # Zero diagonal: d(i, i) = 0 exactly.
            block[:, other:other_stop] = part
        yield start, block


def iter_distance_blocks(rows, cols, batch_size=DEFAULT_BATCH_SIZE):
    """Yields `(start, block)` with the Euclidean distances of row batches.

    When `rows` and `cols` hold the same samples the distances are exactly
    symmetric and the diagonal is exactly zero (see the module docstring).

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
    if _same_samples(rows, cols):
        yield from _iter_self_blocks(cols, col_sq, batch_size)
        return
    for start in range(0, rows.shape[0], batch_size):
        batch = rows[start : start + batch_size]
        batch_sq = np.einsum("ij,ij->i", batch, batch)
        yield start, _distance_block(batch, cols, batch_sq, col_sq)


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
        radii[start : start + block.shape[0]] = kth
    return radii


def count_inside_balls(probes, centres, radii, *, strict, batch_size=DEFAULT_BATCH_SIZE):
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
        counts[start : start + block.shape[0]] = inside.sum(axis=1)
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
        out[start : start + block.shape[0]] = block.min(axis=1)
    return out
