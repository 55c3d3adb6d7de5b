"""Dinucleotide-preserving shuffles (Altschul & Erickson 1985), vectorised over sequences.

Each shuffle is a random Eulerian path through the sequence's graph of dinucleotides (nodes:
symbol codes; one edge per adjacent pair), so it keeps every dinucleotide count and the first
and last symbols. All shuffles of all sequences are built at once: each node's out-edges are
put in random order by one sort (the last edge of each node must form a tree into the final
symbol, else that shuffle's order is redrawn), and the walk takes one vectorised step per
position across every shuffle. The random numbers of a sequence's shuffles are a function of
the seed and that sequence alone (:mod:`seqmodels.randomness`), so they do not depend on the
other sequences of the call, their number or their order.
"""

from __future__ import annotations

import numpy as np

from seqmodels.randomness import derive, row_keys, uniform


def dinucleotide_shuffle(
    codes: np.ndarray,
    n_shuffles: int = 20,
    *,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Dinucleotide-preserving shuffles of code sequences.

    Parameters
    ----------
    codes : numpy.ndarray, uint8, shape (N, L)
        Symbol codes (see :func:`seqmodels.to_indices`); ambiguity codes are shuffled as
        symbols of their own.
    n_shuffles : int
        Shuffles per sequence, S.
    random_state : int or numpy.random.Generator, optional
        With the same seed, a sequence gets the same shuffles in any call.

    Returns
    -------
    numpy.ndarray, uint8, shape (N, S, L)
    """
    n, length = codes.shape
    seqs = np.repeat(codes, n_shuffles, axis=0)  # (M, L), M = N·S
    if length < 3 or n == 0:
        return seqs.reshape(n, n_shuffles, length)
    keys = derive(
        np.repeat(row_keys(codes, random_state), n_shuffles), np.tile(np.arange(n_shuffles), n)
    )
    m, n_nodes, n_edges = len(seqs), int(codes.max()) + 1, length - 1
    src, dst = seqs[:, :-1].astype(np.int64), seqs[:, 1:]
    counts = np.bincount(
        (np.arange(m)[:, None] * n_nodes + src).ravel(), minlength=m * n_nodes
    ).reshape(m, n_nodes)
    start = np.cumsum(counts, axis=1) - counts  # where each node's out-edges begin
    last = np.where(counts > 0, start + counts - 1, -1)  # where each node's last edge sits

    successors = np.empty((m, n_edges), dtype=seqs.dtype)
    todo, attempt = np.arange(m), 0
    while len(todo):  # redraw the orders whose last edges do not form a tree into the root
        noise = uniform(derive(keys[todo], attempt), n_edges)
        order = np.argsort(src[todo] + noise, axis=1)  # by node, then at random
        successors[todo] = np.take_along_axis(dst[todo], order, axis=1)
        todo = todo[~_last_edges_reach_root(successors[todo], last[todo], seqs[todo, -1])]
        attempt += 1

    flat = successors.ravel()
    row_start = np.arange(m) * n_edges
    next_edge = (start + np.arange(m)[:, None] * 0).ravel()  # (M·C,) next unused edge per node
    out = np.empty_like(seqs)
    out[:, 0] = current = seqs[:, 0].astype(np.int64)
    node_base = np.arange(m) * n_nodes
    for position in range(1, length):
        slot = node_base + current
        current = flat[row_start + next_edge[slot]].astype(np.int64)
        next_edge[slot] += 1
        out[:, position] = current
    return out.reshape(n, n_shuffles, length)


def _last_edges_reach_root(successors, last, root) -> np.ndarray:
    """Whether, following each node's last out-edge, every node with edges reaches ``root``.

    successors : (M, E) out-edge targets grouped by node; last : (M, C) index of each node's
    last edge in ``successors`` (-1: no out-edge); root : (M,) the final symbol.
    """
    m, n_nodes = last.shape
    rows = np.arange(m)[:, None]
    following = np.where(last >= 0, successors[rows, last.clip(min=0)], -1).astype(np.int64)
    following[np.arange(m), root] = root  # the walk ends at the root
    node = np.where(last >= 0, np.arange(n_nodes), root[:, None]).astype(np.int64)
    for _ in range(n_nodes):
        node = following[rows, node]
    return (node == root[:, None]).all(axis=1)
