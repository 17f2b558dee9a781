"""GET /swagger (Swagger UI, assets bundled by Powertools) and GET /openapi.json.

The document is merged from every function's own resolver, so it always matches the routes.
"""

import json
from functools import lru_cache
from pathlib import Path

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi import swagger_ui
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, Server
from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html
from aws_lambda_powertools.utilities.typing import LambdaContext

from storecrm.http.app import finish_response
from storecrm.http.openapi import finish_document
from storecrm.metrics import flushed_per_invocation
from storecrm.tracing import traced

TITLE = "storecrm API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Store administration and a store-scoped CRM. Staff log in with an emailed code "
    "(POST /v1/auth/code, then /v1/auth/verify) and send `Authorization: Bearer <access_token>`."
)

app = APIGatewayRestResolver(enable_validation=True)
app.configure_openapi_merge(
    path=str(Path(__file__).resolve().parent.parent),
    pattern="app.py",
    recursive=True,
    exclude=["**/__pycache__/**"],
    title=TITLE,
    version=VERSION,
    description=DESCRIPTION,
    servers=[Server(url="/")],
    security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")},
    security=[{"bearerAuth": []}],
    on_conflict="error",
)
SWAGGER_ASSETS = Path(swagger_ui.__file__).resolve().parent


@lru_cache(maxsize=1)
def _document() -> str:
    """The merged document with the error responses every operation really has (storecrm.http.openapi)."""
    return json.dumps(finish_document(json.loads(app.get_openapi_merge_json_schema())))


@app.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[str]:
    return Response(200, content_types.APPLICATION_JSON, _document())


@app.get("/swagger", include_in_schema=False)
def swagger() -> Response[str]:
    # Powertools' own page and bundled assets (no CDN), showing the finished document.
    page = generate_swagger_html(
        _document().replace("</", "<\\/"),
        (SWAGGER_ASSETS / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        (SWAGGER_ASSETS / "swagger-ui.min.css").read_text(encoding="utf-8"),
        swagger_base_url="", oauth2_config=None, persist_authorization=True)
    return Response(200, "text/html", page)


@traced
@flushed_per_invocation
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return finish_response(app.resolve(event, context))
