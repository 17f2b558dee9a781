"""Email template rendering without AWS: placeholders, escaping, language choice, preheader, the text
part, and the warnings a preview gives."""

from __future__ import annotations

from storecrm.messaging.template_rendering import (
    MailContent,
    has_confirm_link,
    html_to_text,
    pick_language,
    preview_warnings,
    render_mail,
    variables_in,
)

CONTENT = MailContent(
    subject={"en": "Confirm {{ email }}\nnow", "de": "Bestätige {{email}}"},
    body="<p>Hi {{email}}, <a href=\"{{confirm_url}}\">confirm</a>.</p><p>{{first_name}}</p>",
    preheader="One click for {{store_name}}",
)


def test_variables_are_found_in_order_once() -> None:
    assert variables_in("{{b}} {{ a }} {{b}}", None, "{{c}}{{a}}") == ["b", "a", "c"]
    assert has_confirm_link("<a href='{{ confirm_url }}'>x</a>")
    assert not has_confirm_link("{{confirm_url_typo}} or {confirm_url}")


def test_language_follows_the_order_given_then_any() -> None:
    assert pick_language({"en": "a", "de": "b"}, ["de", "en"]) == "de"
    assert pick_language({"en": "a", "fr": "b"}, ["de", "fr"]) == "fr"
    # None of the wanted ones: the same one every time (sorted), not whatever order the map came in.
    assert pick_language({"fr": "a", "en": "b"}, ["de"]) == "en"
    assert pick_language({}, ["de"]) is None


def test_render_escapes_values_in_html_only_and_keeps_the_subject_on_one_line() -> None:
    values = {"email": "<b>&\"x\"</b>\r\nBcc: x@y", "confirm_url": "https://s.example/c?a=1&token=t",
              "store_name": "Acme & Co"}
    mail = render_mail(CONTENT, values, ["en"])
    assert mail.subject == "Confirm <b>&\"x\"</b> Bcc: x@y now"
    assert "<a href=\"https://s.example/c?a=1&amp;token=t\">confirm</a>" in mail.html
    assert "Hi &lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;" in mail.html
    # The preheader is the hidden first line of the html; the unknown {{first_name}} renders empty.
    assert mail.html.index("One click for Acme &amp; Co") < mail.html.index("<p>Hi")
    assert "{{" not in mail.html and "display:none" in mail.html
    assert render_mail(CONTENT, values, ["de", "en"]).subject.startswith("Bestätige")


def test_text_part_keeps_links_and_paragraphs() -> None:
    html = ("<html><head><style>p {color: red}</style><title>t</title></head><body>"
            "<p>Hello&nbsp;<b>you</b>,</p><p><a href=\"https://x.example/c?a=1&amp;b=2\">Confirm</a><br>"
            "<a href=\"https://x.example/same\">https://x.example/same</a></p><ul><li>one</li><li>two</li></ul>"
            "<script>alert(1)</script></body></html>")
    assert html_to_text(html) == ("Hello\xa0you,\n\nConfirm (https://x.example/c?a=1&b=2)\n"
                                  "https://x.example/same\n\none\ntwo")
    mail = render_mail(MailContent(subject={}, body="<p>{{confirm_url}}</p>", preheader="hidden"),
                       {"confirm_url": "https://s.example/?a=1&b=2"}, [])
    assert mail.text == "https://s.example/?a=1&b=2" and mail.subject == ""


def test_preview_warns_about_missing_unknown_and_unused_variables() -> None:
    warnings = preview_warnings(CONTENT, {"email": "a@b.example", "first_name": "Ann", "nickname": "A"}, ["en"])
    assert [(w.kind, w.variable) for w in warnings] == [
        ("missing", "confirm_url"), ("unknown", "first_name"), ("missing", "store_name"), ("unused", "nickname")]
    assert all(w.message for w in warnings)
    # The store's language has no subject: the mail would use another language's.
    [translation] = preview_warnings(MailContent(subject={"en": "Hi"}, body="", preheader=None), {}, ["fr", "en"])
    assert (translation.kind, translation.variable) == ("missing_translation", "subject.fr")
    assert preview_warnings(MailContent(subject={"en": "Hi"}, body="", preheader=None), {}, ["en"]) == []


def test_the_sender_is_the_platform_address_under_the_template_name() -> None:
    from email.header import decode_header, make_header
    from email.utils import parseaddr

    from storecrm.config import settings
    from storecrm.kernel.gateways.mail import sender

    address = settings().sender_email
    assert sender(None) == address
    assert sender("Acme, Inc.") == f'"Acme, Inc." <{address}>'
    encoded = sender("Café Ünïcode")
    assert encoded.isascii()  # SES wants non-ASCII display names MIME-encoded
    name, parsed = parseaddr(encoded)
    assert parsed == address and str(make_header(decode_header(name))) == "Café Ünïcode"
