"""Dinucleotide-preserving shuffles (Altschul & Erickson 1985), in bulk on any device.

Each shuffle is a random Eulerian path through the sequence's graph of dinucleotides (nodes:
symbol codes; one edge per adjacent pair), so it keeps every dinucleotide count and the first
and last symbols. All shuffles of all sequences are built at once, with torch operations on
the device the codes are on: each node's last out-edge is drawn at random (redrawn until the
last edges form a tree into the final symbol), its other out-edges are put in random order by
one sort, and the walk takes one vectorised step per position across every shuffle. The random
numbers of a sequence's shuffles are a function of the seed and that sequence alone
(:mod:`seqmodels.randomness`), so they do not depend on the other sequences of the call, their
number, their order or the device.
"""

from __future__ import annotations

import numpy as np
import torch

from seqmodels.randomness import derive, row_keys, uniform


def dinucleotide_shuffle(
    codes: torch.Tensor | np.ndarray,
    n_shuffles: int = 20,
    *,
    random_state: int | np.random.Generator | None = None,
) -> torch.Tensor:
    """Dinucleotide-preserving shuffles of code sequences.

    Parameters
    ----------
    codes : torch.Tensor or numpy.ndarray, uint8, shape (N, L)
        Symbol codes (see :func:`seqmodels.to_indices`); ambiguity codes are shuffled as
        symbols of their own.
    n_shuffles : int
        Shuffles per sequence, S.
    random_state : int or numpy.random.Generator, optional
        With the same seed, a sequence gets the same shuffles in any call, on any device.

    Returns
    -------
    torch.Tensor, uint8, shape (N, S, L)
        On the device of ``codes``.
    """
    codes = torch.as_tensor(codes)
    positions = shuffled_positions(codes, n_shuffles, random_state=random_state)
    return codes.gather(1, positions.flatten(1)).view(positions.shape)


def shuffled_positions(
    codes: torch.Tensor, n_shuffles: int, *, random_state: int | np.random.Generator | None
) -> torch.Tensor:
    """Where each position of each dinucleotide shuffle of ``codes`` ``(N, L)`` comes from:
    ``(N, S, L)`` int64 indices into the sequence's positions."""
    n, length = codes.shape
    device = codes.device
    if length < 3 or n == 0:
        return torch.arange(length, device=device).expand(n, n_shuffles, length)
    seqs = codes.long().repeat_interleave(n_shuffles, dim=0)  # (M, L), M = N·S
    keys = derive(
        row_keys(codes, random_state).repeat_interleave(n_shuffles),
        torch.arange(n_shuffles, device=device).repeat(n),
    )
    m, n_nodes, n_edges = len(seqs), int(codes.max()) + 1, length - 1
    rows = torch.arange(m, device=device)
    src, dst = seqs[:, :-1], seqs[:, 1:]
    counts = torch.zeros(m, n_nodes, dtype=torch.long, device=device)
    rank = torch.zeros_like(src)  # each edge's place among its node's out-edges
    for node in range(n_nodes):
        is_node = src == node
        seen = is_node.cumsum(dim=1)
        rank += (seen - 1) * is_node
        counts[:, node] = seen[:, -1]
    start = counts.cumsum(dim=1) - counts  # where each node's out-edges begin, once sorted
    by_node = torch.empty_like(src)  # the edges (their positions) sorted by node, then position
    by_node.scatter_(
        1, start.gather(1, src) + rank, torch.arange(n_edges, device=device).expand_as(src)
    )

    # each node's last out-edge: uniform among its out-edges, redrawn until the last edges
    # form a tree into the final symbol
    last = torch.empty_like(counts)
    todo, attempt = rows, 0
    while len(todo):
        last[todo] = (uniform(derive(keys[todo], attempt), n_nodes) * counts[todo]).long()
        flat = todo[:, None] * n_edges  # (T, 1) where each row starts in the flat tables
        edge = by_node.take(flat + (start[todo] + last[todo]).clamp(max=n_edges - 1))
        following = dst.take(flat + edge)  # (T, C) where each node's last edge leads
        todo = todo[~_reaches_root(following, counts[todo], seqs[todo, -1])]
        attempt += 1

    # the other out-edges of each node in random order, its last one at the end
    closing = rank == last.gather(1, src)
    noise = torch.where(closing, 1.5, uniform(derive(keys, -1), n_edges))
    order = torch.argsort(2 * src + noise, dim=1)  # edges by node, then in walking order

    # the walk: at each step, every shuffle takes the next unused out-edge of its current node
    # (nodes as slots ``row · C + symbol``, edges as flat indices into ``order``)
    # in int32 (half the memory the random accesses touch)
    node_base = rows * n_nodes
    next_edge = (start + (rows * n_edges)[:, None]).ravel().int()  # (M·C,) per slot
    leads_to = (dst.gather(1, order) + node_base[:, None]).ravel().int()  # each edge's slot
    ones = torch.ones(m, dtype=torch.int32, device=device)
    edges = torch.empty(length - 1, m, dtype=torch.int32, device=device)
    slot = (node_base + seqs[:, 0]).int()
    for step in range(length - 1):
        edge = torch.index_select(next_edge, 0, slot, out=edges[step])
        next_edge.index_put_((slot,), ones, accumulate=True)
        slot = leads_to.index_select(0, edge)
    positions = order.ravel().take(edges.T.long()) + 1  # where each step's edge leads
    out = torch.cat([positions.new_zeros(m, 1), positions], dim=1)
    return out.view(n, n_shuffles, length)


def _reaches_root(following, counts, root) -> torch.Tensor:
    """Whether, following each node's last out-edge, every node with out-edges reaches
    ``root``: ``following`` ``(M, C)`` the node each node's last edge leads to, ``counts``
    ``(M, C)`` its out-edges, ``root`` ``(M,)`` the final symbol."""
    m, n_nodes = following.shape
    following = following.clone()
    following[torch.arange(m, device=root.device), root] = root  # the walk ends at the root
    node = torch.where(counts > 0, torch.arange(n_nodes, device=root.device), root[:, None])
    for _ in range(n_nodes):
        node = following.gather(1, node)
    return (node == root[:, None]).all(dim=1)
