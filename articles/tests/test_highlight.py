"""Search snippets: escaped first, then marked; matches are word prefixes, as the search's."""

from articles.highlight import highlight


def test_matches_are_marked_and_everything_else_escaped():
    out = highlight('<b onclick="x">Quantum</b> & quantumness, not subquantum', ["quantum"])
    assert out == ('&lt;b onclick=&quot;x&quot;&gt;<mark>Quantum</mark>&lt;/b&gt; &amp; '
                   '<mark>quantumness</mark>, not subquantum')


def test_a_term_that_looks_like_markup_is_escaped_inside_the_mark():
    assert highlight("a <script> b", ["<script>"]) == "a <mark>&lt;script&gt;</mark> b"
    assert highlight("x & y", []) == "x &amp; y"


def test_a_snippet_is_cut_around_the_first_match():
    text = " ".join(f"word{i}" for i in range(200)) + " the needle is here " + " ".join("tail" for _ in range(100))
    out = highlight(text, ["needle"], length=120)
    assert "<mark>needle</mark>" in out
    assert out.startswith("…") and out.endswith("…")
    assert len(out) < 200
    assert highlight("short text", ["absent"], length=120) == "short text"
