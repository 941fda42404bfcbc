"""How topics group: agglomerative clustering of the topics by the cosine of their columns of
``W`` (average linkage, :func:`scipy.cluster.hierarchy.linkage`), as a tree.

The distance of two topics is ``1 − cosine`` of their term weights; a group's distance to
another is the mean over the pairs of their topics (average linkage, UPGMA: no single close
pair chains unrelated topics together, as single linkage would). Every inner node of the tree
has the height at which its two children were joined.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..factor.projection import unit_columns


def topic_similarity(W) -> np.ndarray:
    """Cosine similarity of the topics' term weights, shape (k, k), 1 on the diagonal.

    Parameters
    ----------
    W : ndarray of shape (n_terms, k)

    Examples
    --------
    >>> topic_similarity(np.array([[1.0, 0.0], [1.0, 1.0]])).round(3).tolist()
    [[1.0, 0.707], [0.707, 1.0]]
    """
    unit = unit_columns(W)
    S = np.clip(unit.T @ unit, 0.0, 1.0)
    np.fill_diagonal(S, 1.0)
    return S


@dataclass(frozen=True)
class TopicTree:
    """The topics as a binary tree (see :func:`hierarchy`).

    ``root`` is nested dicts: a leaf is ``{"topic", "label", "size"}`` (size: documents the
    topic dominates), an inner node ``{"distance", "similarity", "topics", "children"}`` with
    the ids of every topic below it. ``linkage`` is scipy's linkage matrix over the model's
    columns (for :func:`scipy.cluster.hierarchy.dendrogram`), ``order`` the columns from left
    to right in the drawn tree.
    """

    root: dict
    linkage: np.ndarray
    order: list
    topic_ids: list
    labels: list

    def nodes(self) -> list:
        """Every node, depth first (parent before children), as ``(depth, node)``."""
        out, stack = [], [(0, self.root)]
        while stack:
            depth, node = stack.pop()
            out.append((depth, node))
            stack.extend((depth + 1, child) for child in reversed(node.get("children", [])))
        return out


def hierarchy(model) -> TopicTree:
    """Cluster the topics of a fitted model by the cosine of their term weights.

    Parameters
    ----------
    model : TopicModel

    Returns
    -------
    TopicTree
        Every topic exactly once as a leaf; inner nodes carry the average-linkage distance
        (``1 − cosine``) at which their children join.

    Examples
    --------
    >>> tree = hierarchy(model)
    >>> sorted(tree.root["topics"]) == model.topic_ids
    True
    >>> [node["topic"] for _, node in tree.nodes() if "topic" in node] == tree.root["topics"]
    True
    """
    model.check_fitted()
    ids, labels, sizes = model.topic_ids, model.labels(), model.topic_sizes()
    k = len(ids)
    leaves = [{"topic": ids[z], "label": labels[z], "size": int(sizes[z])} for z in range(k)]
    if k == 1:
        return TopicTree(leaves[0], np.zeros((0, 4)), [0], ids, labels)
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    D = np.clip(1.0 - topic_similarity(model.W_), 0.0, None)
    D = (D + D.T) / 2
    np.fill_diagonal(D, 0.0)
    Z = linkage(squareform(D, checks=False), method="average", optimal_ordering=True)
    nodes = list(leaves)
    for a, b, distance, _ in Z:
        left, right = nodes[int(a)], nodes[int(b)]
        nodes.append({"distance": float(distance), "similarity": float(1.0 - distance),
                      "topics": _topics(left) + _topics(right), "children": [left, right]})
    return TopicTree(nodes[-1], Z, leaves_list(Z).tolist(), ids, labels)


def _topics(node) -> list:
    return node["topics"] if "topics" in node else [node["topic"]]
