"""One OpenAPI 3.1 document merged from every function, and Swagger UI without a CDN."""

from __future__ import annotations

from tests.support import ROUTES, Api


def test_openapi_document_covers_every_api_route_in_the_template(api: Api) -> None:
    reply = api.call("GET", "/openapi.json")
    assert reply.status == 200 and reply.body["openapi"].startswith("3.1")
    documented = {(method.upper(), path) for path, item in reply.body["paths"].items() for method in item}
    served = {(r.method, r.path) for r in ROUTES if r.function != "DocsFunction"}
    assert served == documented


def test_swagger_ui_bundles_its_assets(api: Api) -> None:
    reply = api.call("GET", "/swagger")
    assert reply.status == 200
    page = reply.body
    assert isinstance(page, str) and "SwaggerUIBundle" in page
    assert "unpkg.com" not in page and "cdn.jsdelivr" not in page
