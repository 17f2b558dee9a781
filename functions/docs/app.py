"""GET /swagger (Swagger UI, assets bundled by Powertools) and GET /openapi.json.

The document is merged from every function's own resolver, so it always matches the routes.
"""


from pathlib import Path

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, Server
from aws_lambda_powertools.utilities.typing import LambdaContext

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
app.enable_swagger(path="/swagger", title=TITLE, version=VERSION, persist_authorization=True)


@app.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[str]:
    return Response(200, content_types.APPLICATION_JSON, app.get_openapi_merge_json_schema())


def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
