"""Article bodies: Markdown -> sanitised HTML, once, within a time and size budget.

A body is rendered when it is imported (in the import's parse workers) or saved (the admin,
curation, a shell), and the result is stored in `Article.body_html`; no reader's request
renders Markdown. python-markdown is pure Python and some inputs cost it seconds per
kilobyte (a run of "[" characters) or exhaust the recursion limit (nested
`<div markdown="1">`), so each render runs under an alarm that interrupts it. A body that
blows the budget, is too long, or breaks the renderer is stored as escaped plain text
(readable paragraphs) and the caller reports it.

No Django imports: the import's worker processes load this module on their own.
"""

import contextlib
import ctypes
import html
import re
import signal
import threading
from dataclasses import dataclass

import markdown as markdown_lib
import nh3

from articles.links import HTTP_SCHEMES

# The budget of one body: its length in characters, and the seconds its render may take.
MAX_RENDER_CHARS = 200_000
RENDER_SECONDS = 0.5
# Markdown grows little when rendered; an output this much larger than its input is an attack.
MAX_OUTPUT_RATIO = 20

BODY_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "figcaption", "figure", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}
BODY_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}, "abbr": {"title"}}
MARKDOWN_EXTENSIONS = ["extra", "sane_lists"]


@dataclass(frozen=True)
class RenderedBody:
    html: str
    # Why the body is shown as plain text ("" when it was rendered as Markdown).
    problem: str = ""

    @property
    def fell_back(self):
        return bool(self.problem)


class RenderTimeout(Exception):
    """The render went over RENDER_SECONDS."""


def render_body(text, *, seconds=RENDER_SECONDS, max_chars=MAX_RENDER_CHARS):
    """`text` (Markdown) -> RenderedBody: sanitised HTML, or escaped text with the reason."""
    text = text or ""
    if not text.strip():
        return RenderedBody("")
    if len(text) > max_chars:
        return _plain(text, f"{len(text):,} characters is over the {max_chars:,}-character render budget")
    if not _NOT_PROSE.search(text):
        # What Markdown and nh3 make of it, without them: escaped text in paragraphs.
        return RenderedBody(plain_html(text, line_breaks=False))
    converter = _converter()
    try:
        with time_budget(seconds):
            converter.reset()
            raw = converter.convert(text)
    except RenderTimeout:
        _CONVERTER.clear()  # interrupted half-way: its state is not to be trusted
        return _plain(text, f"rendering took over the {seconds:g}-second budget")
    except RecursionError:
        _CONVERTER.clear()
        return _plain(text, "nested too deeply to render")
    if len(raw) > MAX_OUTPUT_RATIO * len(text) + 10_000:
        return _plain(text, "renders to far more HTML than it has text")
    return RenderedBody(sanitise(raw))


# Text Markdown would only wrap in paragraphs: letters, digits and punctuation without meaning
# in Markdown, no line starting with a space, a digit, a hyphen or a colon (code, lists, rules,
# definitions), none ending in a space (a line break). Most imported bodies are such prose, and
# this spares them the Markdown parser (a test checks that both give the same HTML).
_NOT_PROSE = re.compile(r"[^\w \n.,;:'\"?()%$/!-]|_|^[ \d:-]| $", re.MULTILINE)


# One converter per process (building one costs more than converting a short body).
_CONVERTER = []


def _converter():
    if not _CONVERTER:
        _CONVERTER.append(markdown_lib.Markdown(extensions=MARKDOWN_EXTENSIONS, output_format="html"))
    return _CONVERTER[0]


def sanitise(raw_html):
    """Only the allow-listed markup, escaped text, http(s) links; headings start at h2 (the
    page's h1 is the headline)."""
    raw_html = raw_html.replace("<h1", "<h2").replace("</h1>", "</h2>")
    return nh3.clean(
        raw_html,
        tags=BODY_TAGS,
        attributes=BODY_ATTRIBUTES,
        url_schemes=set(HTTP_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )


def plain_html(text, *, line_breaks=True):
    """Escaped text as paragraphs: blank lines part them; line breaks kept as <br> if asked."""
    paragraphs = (p.strip("\n") for p in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")))
    newline = "<br>\n" if line_breaks else "\n"
    return "\n".join(
        "<p>" + html.escape(p, quote=False).replace("\n", newline) + "</p>" for p in paragraphs if p.strip()
    )


def _plain(text, problem):
    return RenderedBody(sanitise(plain_html(text)), problem)


@contextlib.contextmanager
def time_budget(seconds):
    """Raise RenderTimeout in this thread once `seconds` have passed inside the block.

    The main thread uses a SIGALRM timer (two system calls); other threads (a threaded
    server, a task worker) and a main thread whose SIGALRM is taken get the exception from a
    timer thread, through CPython's per-thread asynchronous exception.
    """
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGALRM) in (
        signal.SIG_DFL, signal.SIG_IGN, None,
    ):
        with _signal_alarm(seconds):
            yield
    else:
        with _thread_alarm(seconds):
            yield


@contextlib.contextmanager
def _signal_alarm(seconds):
    def expire(signum, frame):
        raise RenderTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)


@contextlib.contextmanager
def _thread_alarm(seconds):
    thread_id = threading.get_ident()
    lock = threading.Lock()
    state = {"done": False, "fired": False}

    def expire():
        with lock:
            if not state["done"]:
                state["fired"] = True
                _set_async_exc(thread_id, RenderTimeout)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["done"] = True
            if state["fired"]:
                # Not raised yet (the block ended first): take it back so it never lands elsewhere.
                _set_async_exc(thread_id, ctypes.py_object())
        timer.cancel()
