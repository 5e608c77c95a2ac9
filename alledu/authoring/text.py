"""Teacher text shown as text: Markdown without raw HTML, HTML through an allow-list, or plain.

Why: a content folder comes from outside the package (a colleague's file, a GIFT export from
another site). Nothing in it may run in a learner's browser or load anything from the network
(the lessons are offline): Markdown's raw HTML is escaped, images are not rendered (an image
is a request to somewhere), links keep only safe schemes; `[html]` text keeps a few formatting
tags and loses every attribute, script and style (nh3, the Ammonia sanitiser).
"""

from __future__ import annotations

import functools
import html

import nh3
from markdown_it import MarkdownIt

from alledu.authoring.model import Format

# formatting a question may need, nothing that loads, runs or styles
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "sub", "sup", "p", "br", "ul", "ol", "li", "code", "pre", "blockquote"}


@functools.cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")  # an image is a request that leaves the machine
    return md


def to_html(text: str, fmt: Format) -> str:
    """Safe HTML for a teacher's text in its declared format."""
    if fmt == "markdown":
        # markdown-it escapes raw HTML (html=False) and refuses javascript:/vbscript:/data: links;
        # the sanitiser after it is a second fence (and drops the link targets' attributes we do not want)
        out = _markdown().render(text)
        return nh3.clean(out, tags=ALLOWED_TAGS | {"a"}, attributes={"a": {"href"}}, link_rel="noopener noreferrer")
    if fmt == "html":
        return nh3.clean(text, tags=ALLOWED_TAGS, attributes={})
    return html.escape(text).replace("\n", "<br>")


def inline_html(text: str, fmt: Format) -> str:
    """As `to_html`, without the paragraph around one line (an option's label, a feedback line)."""
    out = to_html(text, fmt).strip()
    if out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        out = out[3:-4]
    return out


def to_plain(text: str, fmt: Format) -> str:
    """The text without markup on one line, for a tick-box label, a CSV cell or the dashboard."""
    if fmt == "markdown":
        text = _markdown().render(text)
    if fmt in ("markdown", "html"):
        text = html.unescape(nh3.clean(text.replace("<br>", " "), tags=set()))
    return " ".join(text.split())
