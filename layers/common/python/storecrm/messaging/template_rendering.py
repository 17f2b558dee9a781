"""Rendering email templates: {{placeholders}}, the subject's language, the preheader, a text part.

SES v2 templates are not used (moto does not implement them, and one renderer serves both sending and
previews): a template is rendered here and sent as Simple content. Values are HTML-escaped in the html
body; the subject is kept to one line.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Mapping, Sequence
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, Literal

from storecrm.kernel.base_model import Model
from storecrm.messaging.models.email_templates import EmailTemplate

if TYPE_CHECKING:
    from storecrm.stores.models.stores import Store

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
CONFIRM_URL = "confirm_url"
# What the platform fills when it sends a template itself (double opt-in confirmations).
SENT_VARIABLES = (CONFIRM_URL, "unsubscribe_url", "email", "store_name", "audience_key")

WarningKind = Literal["missing", "unknown", "unused", "missing_translation"]


class MailContent(Model):
    """What a template renders: subjects by language, an html body, an optional preheader."""

    subject: dict[str, str]
    body: str
    preheader: str | None

    @classmethod
    def of(cls, template: EmailTemplate) -> MailContent:
        return cls(subject=template.subject, body=template.body, preheader=template.preheader)


class RenderedMail(Model):
    subject: str
    html: str
    text: str


class RenderWarning(Model):
    kind: WarningKind
    variable: str
    message: str


def variables_in(*texts: str | None) -> list[str]:
    """The placeholder names used, in order of first use."""
    return list(dict.fromkeys(m.group(1) for text in texts for m in PLACEHOLDER.finditer(text or "")))


def has_confirm_link(body: str) -> bool:
    """A double opt-in mail is useless without the link: {{confirm_url}} must be in the body."""
    return CONFIRM_URL in variables_in(body)


def mail_languages(store: Store | None) -> list[str]:
    """The languages to try for a mail, best first: the store's, in its order. (Profiles record no
    language yet; when they do, the recipient's goes first.)"""
    return [language.id for language in store.languages] if store else []


def pick_language(subjects: Mapping[str, str], languages: Sequence[str]) -> str | None:
    """The first of `languages` the template has a subject for, else the first in sorted order."""
    return next((lang for lang in languages if lang in subjects), min(subjects, default=None))


def as_text(value: Any) -> str:
    """A preview variable as text: strings as they are, JSON for everything else (true, 3, [..])."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def fill(text: str, values: Mapping[str, str], *, as_html: bool) -> str:
    """Placeholders replaced by their values (HTML-escaped in html); one without a value renders empty."""
    def value_of(match: re.Match[str]) -> str:
        value = values.get(match.group(1), "")
        return html_lib.escape(value, quote=True) if as_html else value

    return PLACEHOLDER.sub(value_of, text)


def one_line(text: str) -> str:
    return " ".join(text.split())


# Hidden in the message, shown by mail clients next to the subject in the inbox.
PREHEADER = ('<div style="display:none;max-height:0;overflow:hidden;mso-hide:all" aria-hidden="true">'
             "{}</div>")


def render_mail(content: MailContent, values: Mapping[str, str], languages: Sequence[str]) -> RenderedMail:
    """The mail in the first of `languages` the subject has (see pick_language)."""
    language = pick_language(content.subject, languages)
    subject = content.subject[language] if language is not None else ""
    # Values cannot add lines to the subject (a header).
    subject = one_line(fill(subject, {k: one_line(v) for k, v in values.items()}, as_html=False))
    body = fill(content.body, values, as_html=True)
    preheader = PREHEADER.format(fill(content.preheader, values, as_html=True)) if content.preheader else ""
    return RenderedMail(subject=subject, html=preheader + body, text=html_to_text(body))


def preview_warnings(content: MailContent, given: Mapping[str, Any], languages: Sequence[str]) -> list[RenderWarning]:
    """What a preview points out: variables without a value, ones the platform never fills, values
    nothing uses, and a subject missing in the store's language."""
    used = variables_in(*(content.subject[lang] for lang in sorted(content.subject)), content.body,
                        content.preheader)
    warnings: list[RenderWarning] = []
    for name in used:
        if name not in SENT_VARIABLES:
            warnings.append(RenderWarning(kind="unknown", variable=name, message=(
                f"{{{{{name}}}}} is not filled when this platform sends the template (it fills "
                + ", ".join(f"{{{{{v}}}}}" for v in SENT_VARIABLES) + ")")))
        if name not in given:
            warnings.append(RenderWarning(kind="missing", variable=name,
                                          message=f"{{{{{name}}}}} has no value in vars; it renders empty"))
    warnings += [RenderWarning(kind="unused", variable=name, message=f"{name} is not used by the template")
                 for name in given if name not in used]
    if languages and content.subject and languages[0] not in content.subject:
        warnings.append(RenderWarning(kind="missing_translation", variable=f"subject.{languages[0]}", message=(
            f"no subject in the store's language '{languages[0]}'; mail uses "
            f"'{pick_language(content.subject, languages)}'")))
    return warnings


def preview(content: MailContent, given: Mapping[str, Any], languages: Sequence[str]) -> tuple[
        RenderedMail, list[RenderWarning]]:
    values = {name: as_text(value) for name, value in given.items()}
    return render_mail(content, values, languages), preview_warnings(content, given, languages)


# ---------------------------------------------------------------- text part
_SKIPPED = frozenset({"head", "style", "script", "title"})
_PARAGRAPHS = frozenset({"p", "div", "ul", "ol", "table", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"})
_LINES = frozenset({"br", "li", "tr"})


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.links: list[tuple[str | None, int]] = []  # href and where its text starts

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _PARAGRAPHS:
            self.parts.append("\n\n")
        elif tag in _LINES:
            self.parts.append("\n")
        elif tag == "a":
            self.links.append((dict(attrs).get("href"), len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _PARAGRAPHS:
            self.parts.append("\n\n")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.parts[start:]).strip()
            if href and href != label:
                self.parts.append(f" ({href})" if label else href)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def html_to_text(html: str) -> str:
    """A plain-text alternative of an html body: paragraphs, lines, and links as `label (url)`."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    lines = [line.strip(" ") for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n ")
