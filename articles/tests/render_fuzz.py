"""Hostile-but-valid front-matter files for the render fuzz (test_render_fuzz.py).

Each file is one the importer must accept, chosen to be awkward for every page that shows
it: names that slugify to nothing, Unicode and direction controls, HTML and script in every
text field, quotes, long and odd URLs, Markdown that is costly or nested, entity soup. Files
depend only on (seed, index), so a failing run is repeated with its seed.
"""

import random

import yaml

# Written into text fields: if a page ever shows one unescaped, it is found by these markers.
SCRIPT = '<script>alert("FUZZ")</script>'
HANDLER = '<img src=x onerror=alert("FUZZ")>'
JS_LINK = '<a href="javascript:alert(\'FUZZ\')">x</a>'

TOPIC_NAMES = [
    "AI", "ai", "Ai", "🤖", "!!!", "💥🔥", "???", "...", "-", "_", "機械学習", "東京", "서울", "Москва", "Ελλάδα",
    "עברית", "العربية", "evil\u202eelpmaxe", "a\u200bb", "\u2066isolated\u2069", "Zürich", "ZÜRICH", "straße",
    "İstanbul", "ﬁnance", "finance", "Ⅻ", "C++", "C#", ".NET", "100%", "a/b", "a?b", "a#b", "50/50",
    "<b>bold</b>", SCRIPT, '"quoted"', "it's", "x" * 100, "é" * 50, "Space", "space ", " Space",
    "data science", "data-science", "data_science", "Data Science!", "🚀 launch", "launch 🚀", "&amp;", "R&D",
] + [f"topic {n}" for n in range(60)]

PROVIDERS = [
    ("Daily Example", "daily.example"), ("🤖", "robot.example"), ("!!!", "bang.example"),
    ("Orbit\u202e Weekly", "orbit.example"), ("عربي نيوز", "arabic.example"), ("東京新聞", "tokyo.example"),
    ("Bücher", "bücher.example"), ("Punycode", "xn--bcher-kva.example"), (SCRIPT, "script.example"),
    ('"Quoted" & <Co>', "quoted.example"), ("WWW Upper", "WWW.Upper.EXAMPLE"), ("Digits", "123.example"),
    ("Long " + "n" * 190, "l" * 60 + ".example"), ("Hyphen", "a-b-c.example"), ("Dot end", "dotted.example."),
] + [(f"Outlet {n}", f"outlet{n}.example") for n in range(45)]

TITLE_BITS = [
    "Plain title", SCRIPT, HANDLER, JS_LINK, "🤖🤖🤖", "evil\u202eelpmaxe", "עברית ועוד", "العربية", "東京の市場",
    '"quotes" and \'apostrophes\'', "&amp; &lt;b&gt; &#x3C;", "{{ template }} {% tag %}", "\\ backslash",
    "trailing space ", "tab\there", "ﬁ ligature", "\u200bzero width", "x" * 300, "",
]

# Cheap hostile Markdown: each piece is fast to render, awkward to get right.
BODY_PIECES = [
    "Plain prose, the common case.", "**bold** and *em* and `code`", "[link](https://example.org/a?b=1&c=<2>)",
    "[js](javascript:alert('FUZZ'))", "![img](javascript:alert('FUZZ'))", "[data](data:text/html;base64,PHNjcmlwdD4=)",
    SCRIPT, HANDLER, JS_LINK, "<iframe src=https://evil.example></iframe>", "<style>body{}</style>",
    "<!-- comment <script>alert('FUZZ')</script> -->", "&#x3C;script&#x3E;", "&amp;&lt;&gt;&quot;&#0;&#xD800;",
    "<div markdown=\"1\">*inside*</div>", "> quote\n>> deeper\n>>> deepest", "- a\n  - b\n    - c\n      - d",
    "1. one\n2. two\n\n| a | b |\n|---|---|\n| <b>c</b> | d |", "```\n<script>alert('FUZZ')</script>\n```",
    "Term\n: definition", "[^1] note\n\n[^1]: <script>alert('FUZZ')</script>", "*[HTML]: Hyper\n\nHTML",
    "# H1\n## H2\n###### H6", "***a*** ___b___ **_c_**", "[" * 40 + "]" * 40, "*" * 60, "_a " * 80,
    "<svg onload=alert('FUZZ')>", "<a href=\"http://x\" onclick=\"alert('FUZZ')\">c</a>", "\u202e reversed text",
    "RTL: עברית <b>bold</b> العربية", "🤖" * 50, "http://bare.example/url?x=<y>", "<https://auto.example/link>",
    "<math><mi>x</mi></math>", "a  \nline break", "\\*not em\\*", "{: #id .class onclick=x }",
]

# Bodies that blow the render budget: a few per run (each costs the budget's time once).
SLOW_BODIES = ["[" * 12_000, "[a][" * 4000, '<div markdown="1">\n' * 500 + "x\n" + "</div>\n" * 500]


def topic_list(rng):
    names = rng.sample(TOPIC_NAMES, rng.randint(0, 5))
    seen, topics = set(), []
    for name in names:
        key = name.strip().casefold()
        if name.strip() and key not in seen:  # the importer would warn about the repeat; fine, but keep files clean
            seen.add(key)
            topics.append(name)
    return topics


def url_path(rng, index):
    kind = rng.randint(0, 5)
    if kind == 0:
        return f"/{index}/plain"
    if kind == 1:
        return f"/{index}/üñí/東京?q=<b>&x=\"y\"#frag"
    if kind == 2:
        return f"/{index}/" + "p" * rng.randint(100, 1800)
    if kind == 3:
        return f"/{index}/%3Cscript%3E?a=1&b='2'"
    if kind == 4:
        return f"/{index}/a%20b/c%2Fd/..;/"
    return f"/{index}/🤖"


def article(seed, index, *, slow=None):
    """The front-matter mapping and body of file `index`."""
    rng = random.Random(seed * 1_000_003 + index)
    name, domain = rng.choice(PROVIDERS)
    host = domain.rstrip(".").lower()
    title = " ".join(rng.sample(TITLE_BITS, rng.randint(1, 3))).strip()[:1000] or f"Untitled {index}"
    data = {
        "category": rng.choice(["news", "tech", "<b>cat</b>", "🤖", "x" * 100]),
        "title": title,
        "excerpt": rng.choice([None, "Plain excerpt.", SCRIPT, HANDLER, "evil\u202eelpmaxe", "é" * 500, "&amp;"]),
        "publishedDateTime": f"20{rng.randint(10, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
                             f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00{rng.choice(['Z', '+05:30', '-11:00', '+14:00'])}",
        "webUrl": f"https://{host}{url_path(rng, index)}",
        "type": rng.choice(["article", "video", "slideshow", "<script>", "🤖"]),
        "quality": rng.choice([None, 0, rng.randint(0, 2_147_483_647)]),
        "heat": rng.choice([None, 0, rng.randint(0, 2_147_483_647)]),
        "published": rng.random() < 0.92,
        "provider": {"name": name, "domain": domain},
        "topics": topic_list(rng),
    }
    if rng.random() < 0.5:
        data["images"] = [
            {"url": f"https://cdn.{host}/{index}/{n}.jpg?w=<1>&h=\"2\"", "width": rng.randint(0, 5000),
             "height": rng.randint(0, 5000), "title": rng.choice([None, SCRIPT, "🤖", "évite"])}
            for n in range(rng.randint(1, 3))
        ]
    if rng.random() < 0.4:
        other_name, other_domain = rng.choice(PROVIDERS)
        data["related"] = [
            {"title": rng.choice([SCRIPT, "Related", "🤖"]), "webUrl": f"https://{other_domain.rstrip('.')}/r/{index}/{n}",
             "provider": {"name": other_name, "domain": other_domain}, "excerpt": HANDLER}
            for n in range(rng.randint(1, 4))
        ]
    if slow is not None:
        body = slow
    else:
        body = "\n\n".join(rng.choice(BODY_PIECES) for _ in range(rng.randint(0, 8)))
    return data, body


# libyaml's emitter when PyYAML has it: the same documents, five times faster to write (the
# corpus is test set-up, not what the fuzz measures).
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def front_matter(seed, index, *, slow=None):
    data, body = article(seed, index, slow=slow)
    header = yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=10_000)
    return "---\n" + header + "---\n" + body + "\n"


def write_corpus(directory, count, *, seed):
    """`count` files under `directory`; the first ones have the SLOW_BODIES."""
    paths = []
    for index in range(count):
        path = directory / f"{index // 1000:03d}" / f"{index:05d}.md"
        if index % 1000 == 0:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(front_matter(seed, index, slow=SLOW_BODIES[index] if index < len(SLOW_BODIES) else None), encoding="utf-8")
        paths.append(path)
    return paths
