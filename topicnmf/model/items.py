"""Matrix mode: segments of an items × people table (purchases, ratings) as a TopicModel."""

from __future__ import annotations

from ..io.matrix import ItemMatrix, load_matrix
from .estimator import TopicModel


def fit_matrix(matrix, n_topics, *, missing="zero", random_state=0, max_iter=3000, tol=1e-4,
               solver="cd"):
    """Fit segments to an items × people matrix; returns a matrix-mode TopicModel.

    Parameters
    ----------
    matrix : ItemMatrix or str or Path
        A loaded matrix, or a CSV path read with :func:`load_matrix` (``missing``).
    n_topics : int
        Number of segments ``k``.
    missing : {'zero', 'blank'}
        Only used when ``matrix`` is a path.
    random_state : int
    max_iter, tol : stopping rule of the solver (these matrices are small: iterations are
        cheap, and the default lets the solver converge)
    solver : {'cd', 'mu', 'hals'}
        Solver when there are no missing cells (cd by default here: on tables this small
        speed does not matter, and cd's segments are the ones the README walks through);
        with missing cells, weighted HALS for 'hals' and the masked multiplicative updates
        otherwise
        (:func:`topicnmf.factor.masked.masked_nmf`).

    Returns
    -------
    TopicModel
        ``mode == 'matrix'``; ``W_`` items × k (columns sum to 1), ``H_`` k × people,
        ``items_``, ``document_ids_`` = people, ``mask_`` (None without missing cells).

    Examples
    --------
    >>> model = fit_matrix("corpora/purchases.csv", 3, random_state=0)
    >>> [(item, round(weight, 2)) for item, weight in model.topics(3)[0].terms]
    [('Bread', 0.99), ('Fruits', 0.01), ('Vegetables', 0.0)]
    >>> [topic.label for topic in model.topics()]
    ['Bread', 'Fruits, Sweets', 'Vegetables, Bread, Fruits']
    """
    if not isinstance(matrix, ItemMatrix):
        matrix = load_matrix(matrix, missing=missing)
    model = TopicModel(n_topics, solver=solver, max_iter=max_iter, tol=tol,
                       random_state=random_state, stop_words=None, min_df=1, max_df=1.0,
                       near_duplicates=None)
    return model.fit(matrix)
