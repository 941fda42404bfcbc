"""Matrix mode: the items × people loader, the purchases story, ratings with blanks."""

from pathlib import Path

import numpy as np
import pytest

from topicnmf import InputError, TopicModel
from topicnmf.io.matrix import load_matrix
from topicnmf.model.items import fit_matrix
from topicnmf.queries.recommend import recommend, similar
from topicnmf.queries.segment import segments
from topicnmf.queries.target import target

CORPORA = Path(__file__).resolve().parent.parent / "corpora"
PURCHASES, RATINGS = CORPORA / "purchases.csv", CORPORA / "ratings.csv"


@pytest.fixture(scope="module")
def purchases():
    return fit_matrix(PURCHASES, 3, random_state=0)


def _segment(model, item):
    """The segment whose top item is ``item``."""
    return int(np.argmax(model.W_[model.term_index(item)] / model.W_.max(axis=0)))


def test_purchases_story(purchases):
    m = purchases
    bread, fruit, veg = (_segment(m, i) for i in ("Bread", "Fruits", "Vegetables"))
    assert len({bread, fruit, veg}) == 3
    W = {name: dict(zip(m.items_, m.W_[:, z])) for name, z in
         (("bread", bread), ("fruit", fruit), ("veg", veg))}
    assert W["bread"]["Bread"] > 0.9                                    # almost only bread
    assert W["fruit"]["Fruits"] + W["fruit"]["Sweets"] > 0.99           # fruits and sweets
    v = W["veg"]                                                        # mixed, led by veg
    assert v["Vegetables"] > v["Bread"] > v["Fruits"] > v["Sweets"] > v["Coffee"] > 0
    assert W["bread"]["Coffee"] == W["fruit"]["Coffee"] == 0            # coffee only here
    rows = {r.doc_id: r for r in segments(m, threshold=0.1)}
    assert rows["John"].shares[bread] == 1.0                            # wholly one segment
    assert len(rows["Peter"].topics) == 3                               # in all three
    mary = recommend(m, "Mary", top=3)
    assert [r.term for r in mary.items] == ["Bread", "Fruits", "Sweets"]
    campaign = target(m, term="coffee", budget=4)
    assert [r.doc_id for r in campaign] == ["Peter", "Jennifer", "Alice", "Greg"]
    assert [r.status for r in campaign] == ["existing"] + ["prospect"] * 3
    assert campaign[1].drivers == [(veg, 1.0)]
    assert similar(m, "Peter", top=1)[0].doc_id == "Jennifer"


def test_recommend_for_a_person_skips_what_they_bought(purchases):
    peter = recommend(purchases, "Peter")
    assert peter.items == [] and peter.seen_excluded == 5
    john = recommend(purchases, "John", top=10)
    assert "Bread" not in [r.term for r in john.items] and john.seen_excluded == 1
    assert [r.seen for r in recommend(purchases, "John", include_seen=True).items].count(True) == 1


def test_matrix_model_saves_and_loads(purchases, tmp_path):
    purchases.save(tmp_path / "p")
    again = TopicModel.load(tmp_path / "p")
    assert again.mode == "matrix" and again.items_ == purchases.items_
    assert again.document_ids_ == purchases.document_ids_ and again.mask_ is None
    np.testing.assert_array_equal(again.W_, purchases.W_)
    assert [r.doc_id for r in target(again, term="Coffee", budget=4)] == \
        ["Peter", "Jennifer", "Alice", "Greg"]
    with pytest.raises(InputError, match="transform of texts is not available"):
        again.transform(["bread and coffee"])
    with pytest.raises(InputError, match="not available for a matrix-mode model"):
        similar(again, text="bread")
    with pytest.raises(InputError, match="item 'Cofee' is not .* did you mean 'Coffee'"):
        target(again, term="Cofee")
    with pytest.raises(InputError, match="person 'Petr' .* did you mean 'Peter'"):
        recommend(again, "Petr")


def test_ratings_with_blanks_use_the_mask(tmp_path):
    m = load_matrix(RATINGS, missing="blank")
    assert m.mask is not None and 0.2 < 1 - m.mask.mean() < 0.4
    model = fit_matrix(m, 2, random_state=0)
    model.save(tmp_path / "r")
    again = TopicModel.load(tmp_path / "r")
    np.testing.assert_array_equal(again.mask_, m.mask)
    for person in m.people:
        j = m.people.index(person)
        got = {r.term for r in recommend(again, person, top=10).items}
        assert got == {m.items[i] for i in np.flatnonzero(~m.mask[:, j])}   # only unrated


def _write(path, V, blank=None):
    rows = ["item," + ",".join(f"p{j}" for j in range(V.shape[1]))]
    for i, row in enumerate(V):
        cells = ["" if blank is not None and blank[i, j] else f"{x:.6f}"
                 for j, x in enumerate(row)]
        rows.append(f"i{i}," + ",".join(cells))
    path.write_text("\n".join(rows) + "\n")


@pytest.mark.filterwarnings("ignore:masked_nmf reached max_iter")
def test_blank_cells_are_predicted_better_than_with_zeros(tmp_path):
    rng = np.random.default_rng(0)
    V = rng.random((20, 3)) @ rng.random((3, 30)) * 5
    hidden = rng.random(V.shape) < 0.3
    _write(tmp_path / "r.csv", V, hidden)
    errors = {}
    for missing in ("blank", "zero"):
        model = fit_matrix(tmp_path / "r.csv", 3, missing=missing, random_state=0)
        errors[missing] = np.sqrt(np.mean((model.W_ @ model.H_ - V)[hidden] ** 2))
    assert errors["blank"] < errors["zero"] / 5


@pytest.mark.parametrize("content, match", [
    ("item,a,b\nx,1,-2\n", r"row 'x', column 'b': '-2' is not a non-negative number"),
    ("item,a,b\nx,1,lots\n", r"row 'x', column 'b': 'lots'"),
    ("item,a,b\nx,nan,1\n", r"row 'x', column 'a': 'nan'"),
    ("item,a,b\nx,inf,1\n", r"row 'x', column 'a': 'inf'"),
    ("item,a,b\nx,1,2\nx,3,4\n", r"item \(first column\) 'x' appears twice"),
    ("item,a,a\nx,1,2\n", r"person \(header\) 'a' appears twice"),
    ("item,a,b\nx,1\n", r"row 'x': 1 values for 2 people"),
    ("item,a,b\n,1,2\n", r"empty item"),
    ("item,a,b\n", r"at least one item row"),
])
def test_bad_matrix_files_name_row_and_column(tmp_path, content, match):
    path = tmp_path / "m.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=match):
        load_matrix(path)


def test_blank_cell_is_zero_or_missing(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("item,a,b\nx,1,\ny,,2\n")
    zero = load_matrix(path)
    assert zero.mask is None and zero.values.tolist() == [[1, 0], [0, 2]]
    blank = load_matrix(path, missing="blank")
    assert blank.mask.tolist() == [[True, False], [False, True]]
    with pytest.raises(InputError, match="missing='none'"):
        load_matrix(path, missing="none")
    with pytest.raises(InputError, match="k=3 must be between 1 and 2"):
        fit_matrix(path, 3)


def test_an_item_matrix_is_fitted_by_the_estimator_itself():
    matrix = load_matrix(PURCHASES)
    model = TopicModel(3, solver="cd", random_state=0, max_iter=3000, stop_words=None,
                       min_df=1, max_df=1.0).fit(matrix)
    np.testing.assert_array_equal(model.W_, fit_matrix(PURCHASES, 3, random_state=0).W_)
    assert model.mode == "matrix" and model.items_ == matrix.items
    assert model.snippets_[0] == matrix.snippet(0)
