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


def test_every_operation_documents_its_dialects_errors_and_never_422(api: Api) -> None:
    document = api.call("GET", "/openapi.json").body
    error_schema = document["components"]["schemas"]["ArkyError"]
    assert set(error_schema["properties"]) == {"message", "error", "statusCode", "validationErrors"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, item in document["paths"].items():
        pelcro, newstore = path.startswith("/api/v1/sdk/"), path.startswith("/v0/")
        for method, operation in item.items():
            responses = operation["responses"]
            assert "422" not in responses, (method, path)
            for status in ("400", "413", "415"):
                schema = responses[status]["content"]["application/json"]["schema"]
                expected = ("PelcroValidationError" if status == "400" else "PelcroError") if pelcro else (
                    "NewStoreError" if newstore else "ArkyError")
                assert schema == {"$ref": f"#/components/schemas/{expected}"}, (method, path, status)


def test_a_pelcro_error_answer_matches_its_documented_schema(api: Api) -> None:
    schemas = api.call("GET", "/openapi.json").body["components"]["schemas"]
    invalid = api.call("POST", "/api/v1/sdk/auth/register", {"email": "not-an-email"})
    assert invalid.status == 400 and set(invalid.body) == set(schemas["PelcroValidationError"]["required"])
    refused = api.call("POST", "/api/v1/sdk/customer", {"site_id": "any"})
    assert refused.status == 401 and set(refused.body) == set(schemas["PelcroError"]["required"])
    assert set(refused.body["error"]) == set(schemas["PelcroErrorDetail"]["required"])


def test_a_newstore_error_answer_matches_its_documented_schema(api: Api) -> None:
    schemas = api.call("GET", "/openapi.json").body["components"]["schemas"]
    refused = api.call("POST", "/v0/token", {"grant_type": "client_credentials"})
    assert refused.status == 401 and set(refused.body) == set(schemas["NewStoreError"]["required"])


def test_an_error_answer_matches_the_documented_error_schema(api: Api) -> None:
    document = api.call("GET", "/openapi.json").body
    reply = api.call("POST", "/v1/auth/code", {"email": "not-an-email"})
    assert reply.status == 400
    assert set(reply.body) == set(document["components"]["schemas"]["ArkyError"]["required"])


def test_swagger_ui_shows_the_finished_document(api: Api) -> None:
    page = api.call("GET", "/swagger").body
    assert "ArkyError" in page and "HTTPValidationError" not in page


def test_an_answer_without_a_body_is_documented_without_one(api: Api) -> None:
    """The deletion request answers a bare 202; the document must not promise JSON (the fuzz gate found it)."""
    document = api.call("GET", "/openapi.json").body
    accepted = document["paths"]["/v0/consumer_profiles/{profileId}"]["delete"]["responses"]["202"]
    assert "content" not in accepted, accepted
    for item in document["paths"].values():
        for operation in item.values():
            for response in operation["responses"].values():
                schema = (response.get("content") or {}).get("application/json", {}).get("schema", {})
                assert schema.get("type") != "null", response
