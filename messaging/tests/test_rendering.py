"""The body rendered to html: the Markdown subset, mentions, and the allowlist whatever the body."""

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from messaging.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, LINK_REL, Member, mention_names, render

MEMBERS = {"bob": Member(2, "Bob"), "a.b": Member(3, "a.b"), "ann": Member(4, "ann"), "李雷": Member(5, "李雷")}
REL = f'rel="{LINK_REL}"'


@pytest.mark.parametrize(
    ("body", "html"),
    [
        ("*em* _em_ **strong** `code`", "<p><em>em</em> <em>em</em> <strong>strong</strong> <code>code</code></p>"),
        ("```python\nprint('<b>')\n```", "<pre><code class=\"language-python\">print('&lt;b&gt;')\n</code></pre>"),
        (
            "> quoted\n\n- one\n- two\n\n3. three",
            "<blockquote>\n<p>quoted</p>\n</blockquote>\n<ul>\n<li>one</li>\n"
            '<li>two</li>\n</ul>\n<ol start="3">\n<li>three</li>\n</ol>',
        ),
        ("line one\nline two", "<p>line one<br>\nline two</p>"),
        # Raw HTML is text, shown as typed; so are entities.
        (
            "<b>bold?</b> <script>x()</script> &amp;",
            "<p>&lt;b&gt;bold?&lt;/b&gt; &lt;script&gt;x()&lt;/script&gt; &amp;amp;</p>",
        ),
        # Outside the subset: headings, rules, images, indented code stay text.
        ("# title\n---", "<p># title<br>\n---</p>"),
        # Links: http(s) and mailto only, with rel; any other scheme is not a link and its source stays text.
        (
            "see https://example.com/a?b=1",
            f'<p>see <a href="https://example.com/a?b=1" {REL}>https://example.com/a?b=1</a></p>',
        ),
        ("www.example.com", f'<p><a href="http://www.example.com" {REL}>www.example.com</a></p>'),
        ("[docs](https://example.com)", f'<p><a href="https://example.com" {REL}>docs</a></p>'),
        ("mail me@example.com", f'<p>mail <a href="mailto:me@example.com" {REL}>me@example.com</a></p>'),
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
        (
            "[x](JAVASCRIPT:alert(1)) <javascript:alert(1)>",
            "<p>[x](JAVASCRIPT:alert(1)) &lt;javascript:alert(1)&gt;</p>",
        ),
        (
            "[x](data:text/html,hi) [y](/relative) ftp://example.com",
            "<p>[x](data:text/html,hi) [y](/relative) ftp://example.com</p>",
        ),
    ],
)
def test_markdown_subset(body, html):
    assert render(body, {}).html == html


def test_mentions_of_members_case_insensitive_in_order_of_first_mention():
    rendered = render("@ann, @BOB and @bob again; @a.b. and @李雷", MEMBERS)
    assert rendered.mentions == [4, 2, 3, 5]
    assert rendered.html == (
        '<p><span class="mention" data-user-id="4">@ann</span>, '
        '<span class="mention" data-user-id="2">@Bob</span> and '
        '<span class="mention" data-user-id="2">@Bob</span> again; '
        '<span class="mention" data-user-id="3">@a.b</span>. and '
        '<span class="mention" data-user-id="5">@李雷</span></p>'
    )


@pytest.mark.parametrize(
    "body",
    [
        "@nobody here",  # not a member
        "write to bob@example.com",  # an address, not a mention
        "`@bob` and\n```\n@bob\n```",  # code is code
        r"\@bob",  # escaped
        "@ bob",
    ],
)
def test_what_is_not_a_mention(body):
    assert render(body, MEMBERS).mentions == []
    assert "mention" not in render(body, MEMBERS).html


def test_a_mention_is_the_longest_member_name_the_run_starts_with():
    assert render("@ann-and-bob", MEMBERS).html == '<p><span class="mention" data-user-id="4">@ann</span>-and-bob</p>'
    assert {"ann-and-bob", "ann-and", "ann"} <= mention_names("@ann-and-bob")


# --- Whatever the body: only the allowlist ----------------------------------------------

# Fragments that tempt a renderer into markup: Markdown, HTML, links of every scheme, mentions.
FRAGMENTS = [
    "*",
    "**",
    "_",
    "`",
    "```",
    "```js\n",
    "\n",
    "\n\n",
    "> ",
    "- ",
    "1. ",
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "&",
    '"',
    "'",
    "!",
    "\\",
    "@",
    "@bob",
    "@a.b",
    "#",
    "|",
    "=",
    "~",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    "<svg onload=alert(1)>",
    "<iframe src=https://e.com>",
    "<style>*{}</style>",
    "<!-- c -->",
    "<span class=mention>",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "&#106;avascript:alert(1)",
    "vbscript:msgbox",
    "data:text/html;base64,PHNjcmlwdD4=",
    "https://example.com/",
    'http://x.y/"onclick="a()',
    "www.example.com",
    "mailto:a@b.c",
    "a@b.co",
    "ftp://f.example/",
    '[t](https://e.com "title")',
    "[t](javascript:alert(1))",
    "<https://e.com>",
    "<javascript:alert(1)>",
    "![i](https://e.com/i.png)",
]
bodies = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=30).map("".join)


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


@settings(max_examples=300, deadline=None)
@given(body=bodies)
def test_rendered_html_never_leaves_the_allowlist(body):
    html = render(body, MEMBERS).html
    parser = _Markup()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.elements:
        assert tag in ALLOWED_TAGS, (tag, html)
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        for name, value in attrs:
            assert name in allowed, (tag, name, html)
            if name == "href":  # judged by its scheme: "https://example.com/javascript:x" is harmless
                assert value.split(":", 1)[0].lower() in {"http", "https", "mailto"}, (value, html)
            else:
                assert "javascript:" not in "".join(value.split()).lower(), (value, html)
            if name == "rel":
                assert value == LINK_REL
            if name == "class":
                assert value == "mention" if tag == "span" else value.startswith("language-"), (value, html)
            if name in ("data-user-id", "start"):
                assert value.isdigit(), (value, html)
