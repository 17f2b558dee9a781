"""An uploaded SVG rebuilt from an allow-list: nothing that runs script or fetches survives, drawings do."""

from __future__ import annotations

import re

import pytest

from storecrm.kernel.file_types import FileType, identify
from storecrm.media.svg_sanitiser import MAX_DEPTH, UnsafeSvg, sanitised_svg

SVG = 'xmlns="http://www.w3.org/2000/svg"'
XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink"'
# What a browser would act on: script in any namespace, foreign HTML, handlers, script or remote URLs.
ACTIVE = re.compile(rb"script|foreignObject|\son\w+=|javascript|evil\.example|@import|<set|<animate|entity", re.I)


@pytest.mark.parametrize("attack", [
    # The three: a script element under another prefix bound to SVG, an XHTML script, an encoded scheme.
    f'<svg {SVG}><s:script xmlns:s="http://www.w3.org/2000/svg">alert(1)</s:script><rect/></svg>',
    f'<svg {SVG}><h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script><rect/></svg>',
    f'<svg {SVG}><a href="&#106;avascript:alert(1)"><text>x</text></a></svg>',
    f'<svg {SVG} {XLINK}><a xlink:href="java&#x09;script:alert(1)"><rect/></a></svg>',
    '<svg><script>alert(1)</script><rect/></svg>',
    f'<svg {SVG}><rect ONLOAD="alert(1)" onclick="x()"/></svg>',
    f'<svg {SVG}><foreignObject><div xmlns="http://www.w3.org/1999/xhtml">html</div></foreignObject></svg>',
    f'<svg {SVG}><set attributeName="href" to="javascript:alert(1)"/><animate attributeName="href"/></svg>',
    f'<svg {SVG}><use href="https://evil.example/sprite.svg#a"/><image href="http://evil.example/a.png"/></svg>',
    f'<svg {SVG}><image href="data:image/svg+xml;base64,PHN2Zz4="/><rect fill="url(https://evil.example/a)"/></svg>',
    f'<svg {SVG}><style>@import url(https://evil.example/a.css);</style><rect style="fill:url(http://x/y)"/></svg>',
    f'<svg {SVG}><style>rect {{ background: u\\72l(https://evil.example) }}</style></svg>',
    f'<?xml-stylesheet href="https://evil.example/a.css"?><svg {SVG}><rect/></svg>',
])
def test_nothing_active_survives(attack: str) -> None:
    clean = sanitised_svg(attack.encode())
    assert not ACTIVE.search(clean), clean
    assert identify(clean) == FileType("image/svg+xml", "svg")  # still read as SVG when served or checked again


def test_a_drawing_keeps_its_shapes_styles_gradients_and_links_inside_the_document() -> None:
    drawing = (f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
               f'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<!-- made by hand -->\n'
               f'<svg {SVG} {XLINK} viewBox="0 0 10 10" width="10" height="10"><title>Logo</title>'
               '<defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/></linearGradient></defs>'
               '<style>.a { fill: url(#g); stroke-width: 2 }</style>'
               '<g transform="translate(1 1)"><rect class="a" width="4" height="4" fill="url(#g)"/>'
               '<use xlink:href="#g"/><text x="1" y="8" xml:space="preserve">Hi <tspan>there</tspan>!</text></g>'
               '<image width="1" height="1" href="data:image/png;base64,iVBORw0KGgo="/></svg>').encode()
    clean = sanitised_svg(drawing)
    for kept in [b"<title>Logo</title>", b'stop-color="#f00"', b".a { fill: url(#g); stroke-width: 2 }",
                 b'fill="url(#g)"', b'xlink:href="#g"', b'xml:space="preserve">Hi <tspan>there</tspan>!</text>',
                 b'href="data:image/png;base64,iVBORw0KGgo="', b'viewBox="0 0 10 10"']:
        assert kept in clean, clean
    assert b"DOCTYPE" not in clean and b"made by hand" not in clean
    assert sanitised_svg(clean) == clean  # a second pass changes nothing


def test_text_after_a_dropped_element_stays() -> None:
    clean = sanitised_svg(f'<svg {SVG}><text>a<h:b xmlns:h="urn:x">b</h:b>c</text></svg>'.encode())
    assert b"<text>ac</text>" in clean


@pytest.mark.parametrize("refused", [
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><svg>&lol2;</svg>',
    b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>',
    b"<svg><rect></svg>",
    b"<html><svg/></html>",
    f'<svg {SVG}>'.encode() + b"<g>" * (MAX_DEPTH + 1) + b"</g>" * (MAX_DEPTH + 1) + b"</svg>",
])
def test_what_is_no_svg_document_is_refused(refused: bytes) -> None:
    with pytest.raises(UnsafeSvg):
        sanitised_svg(refused)
