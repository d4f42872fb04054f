"""
A message body rendered to HTML, once, when the message is stored or edited.

The body stays the plain text as sent; `html` is what clients may show as
markup. A small Markdown subset (markdown-it-py, raw HTML off): emphasis,
strong, inline code, fenced code, block quotes, lists, line breaks, links
(Markdown links and bare URLs through linkify-it-py) whose scheme is http,
https or mailto, and `@username` mentions of the room's members. The result
then passes nh3 (ammonia) with an allowlist, so that whatever the parser lets
through, only these tags, attributes and schemes reach a browser.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline

# The characters of a username (Django's UnicodeUsernameValidator: letters, digits and @.+-_).
_USERNAME = re.compile(r"[\w.@+-]+")
# A mention starts at an "@" that does not continue a word or an address ("bob@example.com").
_MENTION = re.compile(r"(?<![\w.@+-])@([\w.@+-]+)")
# Where a mention may end short of the whole run: "@bob." and "@bob-and-alice" name bob.
_MENTION_CUTS = ".@+-"

_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_CODE_LANGUAGE = re.compile(r"language-[\w#+.-]{1,32}")


@dataclass(frozen=True)
class Member:
    """Someone a mention may name: the room's member, by id, and their username as stored."""

    id: int
    username: str


@dataclass(frozen=True)
class Rendered:
    html: str
    mentions: list[int]  # member ids in order of first mention


def mention_names(body: str) -> set[str]:
    """The lower-cased usernames a body may mention: every candidate `mention_member` would try."""
    names = set()
    for match in _MENTION.finditer(body):
        names.update(name.lower() for name in _prefixes(match.group(1)))
    return names


def render(body: str, members: Mapping[str, Member]) -> Rendered:
    """Render `body`; `members` maps lower-cased usernames of the room's members (at least those named)."""
    env = {"members": members}
    tokens = _markdown.parse(body, env)
    mentions: list[int] = []
    for token in _walk(tokens):
        if token.type == "mention" and token.meta["user_id"] not in mentions:
            mentions.append(token.meta["user_id"])
    html = _markdown.renderer.render(tokens, _markdown.options, env)
    return Rendered(html=_cleaner.clean(html).rstrip("\n"), mentions=mentions)


def _prefixes(name: str) -> list[str]:
    """The whole run, then each shorter run cut before a "." "@" "+" or "-", longest first."""
    cuts = [i for i, char in enumerate(name) if char in _MENTION_CUTS and i > 0]
    return [name, *(name[:i] for i in reversed(cuts))]


def _walk(tokens):
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def _mention_rule(state: StateInline, silent: bool) -> bool:
    """`@username` of a member: a mention token; anything else stays text."""
    pos = state.pos
    if state.src[pos] != "@" or (pos > 0 and _USERNAME.match(state.src[pos - 1])):
        return False
    run = _USERNAME.match(state.src, pos + 1, state.posMax)
    if run is None:
        return False
    members = state.env.get("members", {})
    name = next((name for name in _prefixes(run.group()) if name.lower() in members), None)
    if name is None:
        return False
    if not silent:
        member = members[name.lower()]
        token = state.push("mention", "span", 0)
        token.meta = {"user_id": member.id, "username": member.username}
    state.pos = pos + 1 + len(name)
    return True


def _render_mention(renderer, tokens, idx, options, env) -> str:
    meta = tokens[idx].meta
    return f'<span class="mention" data-user-id="{meta["user_id"]}">@{escapeHtml(meta["username"])}</span>'


def _link_allowed(url: str) -> bool:
    """Only absolute http, https and mailto links: anything else is not made a link and stays text."""
    scheme = _SCHEME.match(url)
    return scheme is not None and scheme.group(1).lower() in _LINK_SCHEMES


def _build_markdown() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False, "linkify": True, "breaks": True, "typographer": False})
    md.enable(["fence", "blockquote", "list"])  # block rules; indented code, headings, tables stay text
    md.enable(["newline", "escape", "backticks", "emphasis", "link", "autolink", "linkify"])
    md.inline.ruler.after("backticks", "mention", _mention_rule)
    md.add_render_rule("mention", _render_mention)
    md.validateLink = _link_allowed
    return md


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """The few attribute values the renderer writes; any other value is dropped."""
    if attribute == "class":
        allowed = (tag == "span" and value == "mention") or (tag == "code" and _CODE_LANGUAGE.fullmatch(value))
        return value if allowed else None
    if attribute in ("data-user-id", "start"):
        return value if value.isascii() and value.isdigit() else None
    return value


_markdown = _build_markdown()

# The allowlist: what the Markdown subset produces, and nothing else.
ALLOWED_TAGS = frozenset({"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "span"})
ALLOWED_ATTRIBUTES = {"a": {"href"}, "span": {"class", "data-user-id"}, "code": {"class"}, "ol": {"start"}}
LINK_REL = "nofollow noopener noreferrer"

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    # "*": none on every tag (ammonia would otherwise allow `lang` and `title` everywhere).
    attributes={"*": set(), **{tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()}},
    attribute_filter=_attribute_filter,
    url_schemes=set(_LINK_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)
