"""Search result rows' marking: escaped first, then marked; words match as the engines match them."""

from articles.search_results import marked


def test_matches_are_marked_and_everything_else_escaped():
    out = marked('<b onclick="x">Quantum</b> & quantumness, not subquantum', ["quantum"])
    assert out == ('&lt;b onclick=&quot;x&quot;&gt;<mark>Quantum</mark>&lt;/b&gt; &amp; '
                   '<mark>quantumness</mark>, not subquantum')


def test_a_term_that_looks_like_markup_never_becomes_markup():
    assert "<script>" not in marked("a <script> b", ["script"])
    assert marked("a <script> b", ["script"]) == "a &lt;<mark>script</mark>&gt; b"
    assert marked("x & y", []) == "x &amp; y"


def test_accents_and_case_do_not_matter_as_in_the_search():
    assert marked("Café culture", ["cafe"]) == "<mark>Café</mark> culture"
