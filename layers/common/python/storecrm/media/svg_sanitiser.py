"""An SVG made passive: parsed (defusedxml: no entity declarations, nothing external), then rebuilt from an
allow-list of SVG elements and attributes, so what is stored can neither run script nor fetch anything.

- Only elements of the SVG namespace that draw, group, describe or style are kept (an SVG whose root has no
  namespace counts as SVG, as browsers would not render it otherwise); script, foreignObject, animations (which
  can set an href), and every element of another namespace go with their whole subtree.
- Only the attributes listed here are kept, with no namespace but `xlink:href`, `xml:space` and `xml:lang`: event
  handlers and anything unknown are dropped.
- A link (`href`, `xlink:href`) may only point into the same document (`#id`); an `image` or `feImage` may also
  carry a PNG, JPEG, GIF or WebP as a base64 data URI. Every other value that names a URL (`url(...)`) must
  point into the document too.
- CSS (the `style` element and attribute) is kept only when it cannot fetch or hide anything: no at-rules
  (`@import`, `@font-face`), no escapes, no `url()` but `url(#id)`, no `image-set()`, `expression()` or bindings.
- Comments, processing instructions (`<?xml-stylesheet?>`) and the DOCTYPE are not kept.

Only the upload path imports this module (its parser is imported on the first SVG).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from xml.etree import ElementTree

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# Deeper than any drawing needs; the rebuild and the serialiser recurse, so a deeper one is refused.
MAX_DEPTH = 100

_ELEMENTS = frozenset({
    "svg", "g", "defs", "symbol", "use", "switch", "title", "desc", "metadata", "style", "a", "view",
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "image",
    "text", "tspan", "textPath",
    "linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask", "marker",
    "filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix",
    "feDiffuseLighting", "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood", "feFuncA", "feFuncB",
    "feFuncG", "feFuncR", "feGaussianBlur", "feImage", "feMerge", "feMergeNode", "feMorphology", "feOffset",
    "fePointLight", "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence",
})
# Elements whose href may also be an embedded raster image.
_IMAGE_ELEMENTS = frozenset({"image", "feImage"})

_ATTRIBUTES = frozenset({
    # core, structure and geometry
    "id", "class", "lang", "tabindex", "version", "baseProfile", "width", "height", "x", "y", "x1", "y1", "x2", "y2",
    "cx", "cy", "r", "rx", "ry", "fx", "fy", "fr", "d", "points", "pathLength", "viewBox", "preserveAspectRatio",
    "transform", "style", "type", "media", "title",
    "refX", "refY", "markerWidth", "markerHeight", "markerUnits", "orient",
    "patternUnits", "patternContentUnits", "patternTransform", "gradientUnits", "gradientTransform",
    "spreadMethod", "offset", "clipPathUnits", "maskUnits", "maskContentUnits",
    "requiredExtensions", "requiredFeatures", "systemLanguage",
    # text
    "dx", "dy", "rotate", "textLength", "lengthAdjust", "method", "spacing", "startOffset", "side",
    # filters
    "filterUnits", "primitiveUnits", "in", "in2", "result", "mode", "operator", "k1", "k2", "k3", "k4", "values",
    "tableValues", "slope", "intercept", "amplitude", "exponent", "stdDeviation", "edgeMode", "order", "kernelMatrix",
    "divisor", "bias", "targetX", "targetY", "preserveAlpha", "surfaceScale", "diffuseConstant",
    "specularConstant", "specularExponent", "kernelUnitLength", "scale", "xChannelSelector", "yChannelSelector",
    "azimuth", "elevation", "z", "pointsAtX", "pointsAtY", "pointsAtZ", "limitingConeAngle", "radius",
    "baseFrequency", "numOctaves", "seed", "stitchTiles", "crossorigin",
    # presentation attributes
    "alignment-baseline", "baseline-shift", "clip", "clip-path", "clip-rule", "color", "color-interpolation",
    "color-interpolation-filters", "color-profile", "color-rendering", "direction", "display", "dominant-baseline",
    "enable-background", "fill", "fill-opacity", "fill-rule", "filter", "flood-color", "flood-opacity", "font",
    "font-family", "font-size", "font-size-adjust", "font-stretch", "font-style", "font-variant", "font-weight",
    "glyph-orientation-horizontal", "glyph-orientation-vertical", "image-rendering", "kerning", "letter-spacing",
    "lighting-color", "marker", "marker-end", "marker-mid", "marker-start", "mask", "mask-type", "opacity",
    "overflow", "paint-order", "pointer-events", "shape-rendering", "stop-color", "stop-opacity", "stroke",
    "stroke-dasharray", "stroke-dashoffset", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit",
    "stroke-opacity", "stroke-width", "text-anchor", "text-decoration", "text-rendering", "transform-origin",
    "unicode-bidi", "vector-effect", "visibility", "word-spacing", "writing-mode",
})
_HREF = "href"
_XLINK_HREF = f"{{{XLINK_NS}}}href"
_XML_ATTRIBUTES = frozenset({f"{{{XML_NS}}}space", f"{{{XML_NS}}}lang"})

# What hides in a value: ASCII whitespace and control characters (browsers skip them inside a scheme).
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
_RASTER_DATA = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[a-z0-9+/=]*", re.I)
_URL_FUNCTION = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)
_SCHEME = re.compile(r"(javascript|vbscript|data|livescript):", re.I)
# CSS that can fetch, run or disguise anything: at-rules, escapes, bindings, expressions, image sets, src().
_CSS_ACTIVE = re.compile(r"[@\\<]|expression|binding|behavior|image-set|\bsrc\s*\(|javascript|vbscript", re.I)


class UnsafeSvg(ValueError):
    """Not an SVG document this platform can keep (malformed, entity declarations, too deep, another root)."""


def sanitised_svg(data: bytes) -> bytes:
    """The document rebuilt from what is allowed (UTF-8, with an XML declaration); UnsafeSvg when it cannot be
    read as an SVG document at all."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise UnsafeSvg(f"it is not a well-formed SVG document ({type(exc).__name__})") from None
    bare = root.tag == "svg"  # no namespace at all: read as SVG
    if _local_name(root.tag, bare) != "svg":
        raise UnsafeSvg("its root element is not <svg>")
    clean = _rebuild(root, bare, depth=0)
    assert clean is not None
    # Rebuilt elements have bare names; the root declares them SVG (the serialiser's default_namespace cannot mix
    # with the attributes' bare names).
    clean.set("xmlns", SVG_NS)
    ElementTree.register_namespace("xlink", XLINK_NS)
    body: bytes = ElementTree.tostring(clean, encoding="utf-8", xml_declaration=True)
    return body


def _local_name(tag: str, bare: bool) -> str | None:
    """The SVG element's name, or None for an element of any other namespace."""
    if tag.startswith(f"{{{SVG_NS}}}"):
        return tag[len(SVG_NS) + 2:]
    if bare and not tag.startswith("{"):
        return tag
    return None


def _rebuild(element: Element, bare: bool, depth: int) -> Element | None:
    if depth > MAX_DEPTH:
        raise UnsafeSvg(f"its elements nest deeper than {MAX_DEPTH}")
    name = _local_name(element.tag, bare) if isinstance(element.tag, str) else None
    if name is None or name not in _ELEMENTS:
        return None
    kept = ElementTree.Element(name)
    for attribute, value in element.attrib.items():
        if _attribute_allowed(name, attribute, value):
            kept.set(attribute, value)
    kept.text = element.text if name != "style" or _passive_css(element.text or "") else None
    for child in element:
        rebuilt = _rebuild(child, bare, depth + 1)
        if rebuilt is not None:
            rebuilt.tail = child.tail
            kept.append(rebuilt)
        elif child.tail:  # the text after a dropped element still belongs to its parent
            if len(kept):
                kept[-1].tail = (kept[-1].tail or "") + child.tail
            else:
                kept.text = (kept.text or "") + child.tail
    return kept


def _attribute_allowed(element: str, attribute: str, value: str) -> bool:
    if attribute in (_HREF, _XLINK_HREF):
        return _link_allowed(element, value)
    if attribute not in _ATTRIBUTES and attribute not in _XML_ATTRIBUTES:
        return False  # event handlers, other namespaces, anything unknown
    if attribute == "style":
        return _passive_css(value)
    squeezed = _INVISIBLE.sub("", value)
    if _SCHEME.search(squeezed):
        return False
    return all(target.startswith("#") for _, target in _URL_FUNCTION.findall(squeezed)) and \
        "url(" not in _URL_FUNCTION.sub("", squeezed).lower()


def _link_allowed(element: str, value: str) -> bool:
    squeezed = _INVISIBLE.sub("", value)
    if squeezed.startswith("#"):
        return True
    return element in _IMAGE_ELEMENTS and _RASTER_DATA.fullmatch(squeezed) is not None


def _passive_css(css: str) -> bool:
    squeezed = _INVISIBLE.sub("", css)
    if _CSS_ACTIVE.search(squeezed):
        return False
    targets = _URL_FUNCTION.findall(squeezed)
    return all(target.startswith("#") for _, target in targets) and \
        "url(" not in _URL_FUNCTION.sub("", squeezed).lower()
