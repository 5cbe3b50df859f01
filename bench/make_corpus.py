#!/usr/bin/env python3
"""Write a deterministic synthetic corpus of front-matter files shaped like the seed.

    python bench/make_corpus.py OUT_DIR --count 100000 [--seed 1] [--workers 2]
    python bench/make_corpus.py OUT_DIR --count 100000 --touch 0.1 [--touch-round 1]

File i depends only on (seed, i), so the first 10,000 files of a 100,000-file corpus are
the 10,000-file corpus, and workers can split the range any way they like. Files go
1,000 per folder (OUT_DIR/000/, OUT_DIR/001/, ...). `--touch` rewrites a fixed,
seeded sample of the files with a new heat and title (round K gives the Kth version), for
the re-import-after-changes measurement.

Plain string templates, not yaml.dump: yaml.dump is ~50x slower and would dominate the run.
No Django import here: the generator must stay fast and usable on its own.
"""

import argparse
import base64
import multiprocessing
import os
import random
import sys
import time

PER_FOLDER = 1000
PROVIDERS = 2000
TOPICS = 300
LARGEST_TOPIC = "AI"
LARGEST_TOPIC_SHARE = 0.25

WORDS = (
    "model data network vision robot cloud chip quantum privacy security market policy court "
    "energy battery climate health vaccine genome startup funding launch study research report "
    "city transit election senate budget trade tariff supply factory software open source "
    "language speech camera sensor drone satellite rocket orbit mission ocean river forest "
    "wildfire storm rainfall drought harvest school student teacher museum artist music film "
    "stream game league season coach player record price index bank loan crypto token ledger "
    "regulator lawsuit patent merger revenue profit layoff hiring union strike protest border "
    "migration housing rent mortgage inflation wage tax audit fraud breach outage update release "
    "feature benchmark accuracy dataset training inference latency server browser mobile app "
    "platform search engine recommendation algorithm ethics bias fairness transparency agency "
    "minister council mayor hospital clinic doctor nurse patient therapy trial drug approval"
).split()

# Titles that stress the importer and the pages: accents, CJK, emoji, quotes, HTML-looking text.
UNICODE_BITS = (
    "café", "naïve", "Zürich", "São Paulo", "Kraków", "東京", "北京の市場", "서울", "😀", "🚀",
    "“smart” quotes", '"straight" quotes', "<b>bold</b> claims", "R&amp;D", "Ñandú", "Ελλάδα",
    "Москва", "a \\ backslash", "it's", "100% sure", "#hashtag", "key: value",
)
CATEGORIES = ("news", "news", "news", "business", "science", "tech", "sports", "opinion")
TLDS = ("com", "com", "com", "org", "net", "co.uk", "de", "io", "news", "fr")
BASE_TOPICS = (
    "AI", "Computer Vision", "Machine Learning", "Robotics", "Climate", "Elections", "Health",
    "Space", "Crypto", "Privacy", "Cybersecurity", "Energy", "Economy", "Football", "Music",
    "Film", "Education", "Housing", "Transport", "Science", "Économie", "Café Culture",
)


def _topic_names(seed):
    rng = random.Random(f"topics:{seed}")
    names, seen = [], set()
    for name in BASE_TOPICS:
        names.append(name)
        seen.add(name.casefold())
    while len(names) < TOPICS:
        words = rng.sample(WORDS, rng.choice((1, 2, 2, 3)))
        name = " ".join(w.capitalize() for w in words)
        if name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def _providers(seed):
    rng = random.Random(f"providers:{seed}")
    providers, seen = [], set()
    while len(providers) < PROVIDERS:
        a, b = rng.sample(WORDS, 2)
        tld = rng.choice(TLDS)
        domain = f"{a}{b}{len(providers) % 97}.{tld}"
        if domain in seen:
            continue
        seen.add(domain)
        name = rng.choice(("The {A} {B}", "{A} {B}", "{A}{B} Daily", "{A} & {B} News")).format(
            A=a.capitalize(), B=b.capitalize()
        )
        providers.append((name, domain))
    return providers


class Corpus:
    """The shared pools; `text(i)` is file i."""

    def __init__(self, seed):
        self.seed = seed
        self.topics = _topic_names(seed)
        self.other_topics = [t for t in self.topics if t != LARGEST_TOPIC]
        # Zipf-like popularity: a few big publishers and topics, a long tail.
        self.topic_weights = _cumulative([1 / (k + 1) ** 0.8 for k in range(len(self.other_topics))])
        self.providers = _providers(seed)
        self.provider_weights = _cumulative([1 / (k + 1) ** 0.9 for k in range(len(self.providers))])

    def rng(self, i):
        return random.Random(self.seed * 10_000_019 + i)

    def path(self, root, i):
        return os.path.join(root, f"{i // PER_FOLDER:03d}", f"{i:07d}.txt")

    def text(self, i, touch_round=0):
        rng = self.rng(i)
        words = WORDS
        provider_name, domain = self.providers[_pick(rng, self.provider_weights)]
        title = _sentence(rng, words, rng.randint(5, 12))
        if rng.random() < 0.12:
            title = f"{title} {rng.choice(UNICODE_BITS)} {rng.choice(words)}"
        slug = f"{rng.choice(words)}-{rng.choice(words)}-{i}"
        year, month, day = rng.randint(2018, 2025), rng.randint(1, 12), rng.randint(1, 28)
        hour, minute = rng.randint(0, 23), rng.randint(0, 59)
        url = f"https://{domain}/{year}/{month:02d}/{slug}/"
        heat = rng.randint(0, 500)
        if touch_round:
            title = f"{title} (update {touch_round})"
            heat += touch_round
        is_video = rng.random() < 0.03
        lines = ["---", f"category: {rng.choice(CATEGORIES)}", f'title: "{_q(title)}"']
        excerpt = rng.random()
        if excerpt < 0.05:
            lines.append("excerpt: null")
        elif excerpt < 0.95:
            lines.append(f'excerpt: "{_q(_sentence(rng, words, rng.randint(20, 45)))}."')
        lines.append(f"publishedDateTime: {_timestamp(rng, year, month, day, hour, minute)}")
        if is_video:
            lines.append(f'originalUrl: "https://www.youtube.com/watch?v={i:011d}"')
        else:
            lines.append(f'webUrl: "{url}"')
            if rng.random() < 0.7:
                lines.append(f'ampWebUrl: "{url}amp/"')
                lines.append(
                    f'cdnAmpWebUrl: "https://{domain.replace(".", "-")}.cdn.ampproject.org/c/s/{domain}/{year}/{month:02d}/{slug}/amp/"'
                )
            else:
                lines.append("ampWebUrl: null")
        lines.append(f"type: {'video' if is_video else rng.choice(('article', 'article', 'article', 'slideshow'))}")
        if rng.random() < 0.9:
            lines.append(f"quality: {rng.randint(0, 140)}")
        lines.append(f"heat: {heat}")
        lines.append(f"published: {'false' if rng.random() < 0.08 else 'true'}")
        lines.append("")
        lines.append("provider:")
        lines.append(f'  name: "{_q(provider_name)}"')
        lines.append(f"  domain: {'www.' + domain if rng.random() < 0.02 else domain}")
        if rng.random() < 0.1:
            lines.append("  images:")
            lines.append(f'    - url: "https://{domain}/logo.png"')
            lines.append("      width: 120")
            lines.append("      height: 40")
        lines.append("")
        lines.append("topics:")
        for topic in self._topics(rng):
            lines.append(f'  - "{_q(topic)}"')
        lines.append("")
        images = rng.choice((0, 1, 1, 1, 2, 3))
        if images == 0:
            if rng.random() < 0.5:
                lines.append("images: []")
        else:
            lines.append("images:")
            for n in range(images):
                _image(lines, rng, f"https://cdn.{domain}/img/{i}/{n}.jpg", "  ", title if n == 0 else None)
        lines.append("")
        related = rng.choice((0, 1, 2, 3, 3, 4, 4, 5, 6))
        if related:
            lines.append("related:")
            for _ in range(related):
                self._related(lines, rng, words)
        elif rng.random() < 0.3:
            lines.append("related: null")
        lines.append("")
        if is_video:
            lines.append(
                f'featuredContent: "<iframe src=\\"https://www.youtube.com/embed/{i:011d}\\" '
                f'width=\\"560\\" height=\\"315\\" allowfullscreen></iframe>"'
            )
        secured = base64.b64encode(rng.randbytes(rng.randint(420, 520))).decode()
        lines.append(f'secured: "{secured};{base64.b64encode(rng.randbytes(16)).decode()}"')
        lines.append("---")
        if rng.random() < 0.6:
            for _ in range(rng.randint(1, 3)):
                lines.append("")
                lines.append(_sentence(rng, words, rng.randint(30, 80)) + ".")
        lines.append("")
        text = "\n".join(lines)
        # Real corpora mix line endings and sometimes carry a byte-order mark.
        if i % 20 == 7:
            text = text.replace("\n", "\r\n")
        if i % 100 == 11:
            text = "\ufeff" + text
        return text

    def _topics(self, rng):
        count = rng.choice((1, 2, 2, 3, 3, 4))
        chosen = [LARGEST_TOPIC] if rng.random() < LARGEST_TOPIC_SHARE else []
        seen = set(chosen)
        while len(chosen) < count:
            topic = self.other_topics[_pick(rng, self.topic_weights)]
            if topic not in seen:
                seen.add(topic)
                chosen.append(topic)
        rng.shuffle(chosen)
        # Feeds spell topics inconsistently: "ai" and "AI" are one topic.
        variant = rng.random()
        if variant < 0.08:
            chosen[0] = chosen[0].lower()
        elif variant < 0.11:
            chosen[0] = chosen[0].upper()
        return chosen

    def _related(self, lines, rng, words):
        name, domain = self.providers[_pick(rng, self.provider_weights)]
        slug = f"{rng.choice(words)}-{rng.choice(words)}-{rng.randint(0, 10**9)}"
        url = f"https://{domain}/story/{slug}"
        lines.append(f'  - title: "{_q(_sentence(rng, words, rng.randint(6, 14)))}"')
        if rng.random() < 0.9:
            lines.append(f'    excerpt: "{_q(_sentence(rng, words, rng.randint(15, 35)))}."')
        else:
            lines.append("    excerpt: null")
        year, month, day = rng.randint(2018, 2025), rng.randint(1, 12), rng.randint(1, 28)
        lines.append(
            f"    publishedDateTime: {_timestamp(rng, year, month, day, rng.randint(0, 23), rng.randint(0, 59))}"
        )
        lines.append(f'    webUrl: "{url}"')
        if rng.random() < 0.4:
            lines.append(f'    ampWebUrl: "{url}/amp/"')
            lines.append(f'    cdnAmpWebUrl: "https://{domain.replace(".", "-")}.cdn.ampproject.org/c/s/{domain}/story/{slug}/amp/"')
        lines.append("    type: article")
        lines.append("    provider:")
        lines.append(f'      name: "{_q(name)}"')
        lines.append(f"      domain: {domain}")
        if rng.random() < 0.85:
            lines.append(f"    quality: {rng.randint(0, 120)}")
        if rng.random() < 0.8:
            lines.append("    images:")
            _image(lines, rng, f"https://cdn.{domain}/r/{slug}.jpg", "      ", None)


def _image(lines, rng, url, indent, title):
    lines.append(f'{indent}- url: "{url}?w={rng.randint(300, 1600)}"')
    lines.append(f"{indent}  width: {rng.choice((400, 640, 800, 1200))}")
    lines.append(f"{indent}  height: {rng.choice((300, 400, 630, 675))}")
    lines.append(f"{indent}  isCached: {'true' if rng.random() < 0.8 else 'false'}")
    if title is not None:
        lines.append(f'{indent}  title: "{_q(title)}"')


def _timestamp(rng, year, month, day, hour, minute):
    if rng.random() < 0.15:
        return f"{year}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00+02:00"
    return f"{year}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00Z"


def _sentence(rng, words, n):
    text = " ".join(rng.choices(words, k=n))
    return text[0].upper() + text[1:]


def _q(text):
    """Escape for a YAML double-quoted scalar."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _cumulative(weights):
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng, cumulative):
    # bisect on the cumulative weights: O(log n) per draw.
    from bisect import bisect_left

    return min(bisect_left(cumulative, rng.random() * cumulative[-1]), len(cumulative) - 1)


def touched_indices(count, fraction, seed):
    """The files `--touch` rewrites: a fixed sample, spread over every folder."""
    return sorted(random.Random(f"touch:{seed}").sample(range(count), int(count * fraction)))


# -- writing ------------------------------------------------------------------------------

_CORPUS = None


def _write_range(args):
    root, indices, seed, touch_round = args
    global _CORPUS
    if _CORPUS is None or _CORPUS.seed != seed:
        _CORPUS = Corpus(seed)
    written = 0
    for i in indices:
        path = _CORPUS.path(root, i)
        data = _CORPUS.text(i, touch_round).encode("utf-8")
        with open(path, "wb") as fh:
            fh.write(data)
        written += len(data)
    return written


def generate(root, count, *, seed=1, workers=None, touch=0.0, touch_round=1):
    """Write files 0..count-1 (or rewrite the touched sample); return (files, bytes)."""
    root = os.path.abspath(root)
    if touch:
        indices = touched_indices(count, touch, seed)
    else:
        indices = list(range(count))
        for folder in range((count + PER_FOLDER - 1) // PER_FOLDER):
            os.makedirs(os.path.join(root, f"{folder:03d}"), exist_ok=True)
    round_ = touch_round if touch else 0
    workers = workers or min(os.cpu_count() or 1, 4)
    chunk = 2000
    tasks = [(root, indices[k : k + chunk], seed, round_) for k in range(0, len(indices), chunk)]
    if workers <= 1 or len(tasks) <= 1:
        written = sum(map(_write_range, tasks))
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            written = sum(pool.imap_unordered(_write_range, tasks))
    return len(indices), written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="Directory to write into (created if missing).")
    parser.add_argument("--count", type=int, required=True, help="Number of files in the corpus.")
    parser.add_argument("--seed", type=int, default=1, help="Same seed, same files (default 1).")
    parser.add_argument("--workers", type=int, default=None, help="Processes (default: cores, at most 4).")
    parser.add_argument("--touch", type=float, default=0.0,
                        help="Instead of generating, rewrite this fraction of an existing corpus (e.g. 0.1).")
    parser.add_argument("--touch-round", type=int, default=1,
                        help="Which changed version --touch writes (round K changes title and heat).")
    args = parser.parse_args(argv)
    started = time.monotonic()
    files, written = generate(
        args.out, args.count, seed=args.seed, workers=args.workers, touch=args.touch, touch_round=args.touch_round
    )
    elapsed = time.monotonic() - started
    verb = "touched" if args.touch else "wrote"
    print(
        f"{verb} {files:,} files ({written / 1e6:,.1f} MB, {written / max(files, 1) / 1000:.1f} KB avg) "
        f"in {elapsed:.1f}s ({files / elapsed:,.0f} files/s)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
