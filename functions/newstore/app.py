"""The NewStore-style customer profile API v0 under /v0: OAuth2 client credentials, consumer profiles,
their addresses and orders, and clienteling opt-ins.

Parsing and rendering only, over the same store-scoped profiles the arky and Pelcro routes show; the
tenant is the store of the API client's token (storecrm.identity.auth.client_store_id).
"""

from __future__ import annotations

from typing import Annotated, Any, get_args

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from storecrm.crm.clienteling import ClientelingChange, ClientelingQuery
from storecrm.crm.consumer_profiles import (
    PAGE_MAX,
    AddressChanges,
    AddressDeletion,
    AddressWrite,
    ConsumerQuery,
    ConsumerReplacement,
    ConsumerSortField,
    NewConsumer,
    PageWindow,
)
from storecrm.http.app import cors_config, lambda_entry
from storecrm.http.auth import principal
from storecrm.http.openapi import newstore_errors
from storecrm.identity.auth import client_store_id
from storecrm.kernel.errors import ValidationFailed
from storecrm.newstore.clienteling import ClientelingConsumerList, ClientelingConsumerOut
from storecrm.newstore.clients import TokenOut, token_request
from storecrm.newstore.errors import response_of, use_newstore_errors
from storecrm.newstore.schemas import (
    AddressAnswer,
    AddressDeleted,
    ConsumerList,
    ConsumerOut,
    OrderList,
    OrderSummaryOut,
    SimplifiedConsumerList,
)
from storecrm.services import api_client_service, clienteling_service, consumer_profiles

app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())
use_newstore_errors(app)

TAG = "NewStore customer profiles v0"
TOKEN_ROUTE = ("POST", "/v0/token")


# ---------------------------------------------------------------- client credentials and clienteling
@app.post("/v0/token", summary="An access token for an API client (OAuth2 client_credentials, form or JSON)",
          description=("Body (application/x-www-form-urlencoded or JSON): `grant_type=client_credentials`, `scope` "
                       "(optional, space-separated, a subset of the client's), and `client_id` with `client_secret` "
                       "unless they are sent as HTTP Basic credentials. The token lives 15 minutes."),
          tags=[TAG], responses=newstore_errors(401, 429))
def token() -> TokenOut:
    event = app.current_event
    request = token_request(event.headers.get("content-type"), event.decoded_body or "",
                            event.headers.get("authorization"))
    return TokenOut.of(api_client_service().issue_token(request))


@app.put("/v0/clienteling/stores/<store_id>/consumers/<consumer_id>",
         summary="Set a consumer's clienteling consent at a store location (rejected there: rejected at all)",
         tags=[TAG], responses=newstore_errors(401, 402, 403, 404, 409))
def set_clienteling_state(store_id: str, consumer_id: str, body: ClientelingChange) -> ClientelingConsumerOut:
    return ClientelingConsumerOut.of(clienteling_service().set_state(principal(app), store_id, consumer_id, body))


@app.get("/v0/clienteling/stores/<store_id>/consumers",
         summary="A store location's clienteling consumers with their consent, in profile id order",
         tags=[TAG], responses=newstore_errors(401, 403, 404))
def clienteling_consumers(
    store_id: str,
    offset: Annotated[int, Query(ge=0)] = 0,
    count: Annotated[int, Query(ge=1, le=500)] = 10,
) -> ClientelingConsumerList:
    # Three AWS calls, one over a list's budget: the store, the location and its count (BatchGetItem), the
    # page's entries (Query), then their profiles (BatchGetItem), which the entries do not copy so that a
    # consumer's name, email and phone are the profile's own; see ClientelingService.consumers.
    page = clienteling_service().consumers(principal(app), store_id, ClientelingQuery(offset=offset, count=count))
    return ClientelingConsumerList.of(page)




# ---------------------------------------------------------------------------- consumer profiles
PROFILES = "/v0/consumer_profiles"
READ = newstore_errors(400, 401, 403, 404)
# 402: the store's plan lapsed (writes stop, as they do for staff), or a plan cap is reached.
WRITE = newstore_errors(400, 401, 402, 403, 404, 409)
Offset = Annotated[int, Query(ge=0, description="The page offset")]
Count = Annotated[int, Query(ge=1, le=PAGE_MAX, description="The number of requested documents")]


def _accepted_with(description: str, *statuses: int) -> dict[int, Any]:
    """`responses=` for a route that answers 202 rather than 200."""
    return {202: {"description": description},
            **{status: answer for status, answer in newstore_errors(*statuses).items() if status != 200}}


def consumer_query(q: str | None, sort: str | None, offset: int, count: int) -> ConsumerQuery:
    """The list's query: `sort` is `field|asc` or `field|desc`; the filters' names hold brackets, so they are
    read from the query string as sent."""
    field, direction = None, "desc"
    if sort is not None:
        field, bar, direction = sort.partition("|")
        if not bar or direction not in ("asc", "desc") or field not in get_args(ConsumerSortField):
            raise ValidationFailed.on("sort", f"must be 'field|asc' or 'field|desc', the field one of "
                                              f"{', '.join(get_args(ConsumerSortField))}")
    read = app.current_event.get_query_string_value
    return ConsumerQuery.model_validate({
        "q": q, "sort_field": field, "sort_direction": direction, "offset": offset, "count": count,
        "created_by": read("filter[created_by]"), "attribute_name": read("filter[extended_attributes.name]"),
        "attribute_value": read("filter[extended_attributes.value]")})


LIST_DOC = ("`q` matches first and last name word prefixes, the whole email or the phone number's digits; "
            "`filter[created_by]`, `filter[extended_attributes.name]` and `filter[extended_attributes.value]` "
            "narrow it; `sort` is `created_at|updated_at|email` with `|asc` or `|desc` (without q or filters). "
            "offset + count reach at most 10,000 deep.")


@app.get(PROFILES, summary="List full customers", description=LIST_DOC, tags=[TAG], responses=READ)
def list_consumers(q: Annotated[str | None, Query(max_length=200)] = None,
                   sort: Annotated[str | None, Query(max_length=40)] = None,
                   offset: Offset = 0, count: Count = 10) -> ConsumerList:
    store_id = client_store_id(principal(app), "profiles:read")
    query = consumer_query(q, sort, offset, count)
    return ConsumerList.of(consumer_profiles().find(store_id, query), offset)


@app.get(f"{PROFILES}/simplified", summary="List simplified customers", description=LIST_DOC, tags=[TAG],
         responses=READ)
def list_simplified_consumers(q: Annotated[str | None, Query(max_length=200)] = None,
                              sort: Annotated[str | None, Query(max_length=40)] = None,
                              offset: Offset = 0, count: Count = 10) -> SimplifiedConsumerList:
    store_id = client_store_id(principal(app), "profiles:read")
    query = consumer_query(q, sort, offset, count)
    return SimplifiedConsumerList.of(consumer_profiles().find(store_id, query), offset)


@app.post(PROFILES, summary="Create customer (409 when the email exists in the store)", tags=[TAG],
          responses=WRITE)
def create_consumer(body: NewConsumer) -> ConsumerOut:
    caller = principal(app)
    store_id = client_store_id(caller, "profiles:write")
    return ConsumerOut.of_consumer(consumer_profiles().create(store_id, caller.subject, body))


@app.get(f"{PROFILES}/<profileId>", summary="Get customer", tags=[TAG], responses=READ)
def get_consumer(profileId: str) -> ConsumerOut:  # noqa: N803 - path parameter name
    store_id = client_store_id(principal(app), "profiles:read")
    return ConsumerOut.of_consumer(consumer_profiles().get(store_id, profileId))


@app.put(f"{PROFILES}/<profileId>", summary="Update customer (a full update on its current revision)", tags=[TAG],
         responses=WRITE)
def replace_consumer(profileId: str, body: ConsumerReplacement) -> ConsumerOut:  # noqa: N803
    store_id = client_store_id(principal(app), "profiles:write")
    return ConsumerOut.of_consumer(consumer_profiles().replace(store_id, profileId, body))


@app.delete(f"{PROFILES}/<profileId>", summary="Request customer deletion (GDPR erasure, finished by the scheduler)",
            tags=[TAG], responses=_accepted_with("Deletion accepted: the profile is gone from every API at once",
                                                 401, 402, 403, 404, 409))
def request_consumer_deletion(profileId: str) -> Response[None]:  # noqa: N803
    store_id = client_store_id(principal(app), "profiles:delete")
    consumer_profiles().request_deletion(store_id, profileId)
    return Response(status_code=202)


@app.post(f"{PROFILES}/<profileId>/addresses", summary="Create address", tags=[TAG], responses=WRITE)
def create_address(profileId: str, body: AddressWrite) -> AddressAnswer:  # noqa: N803
    store_id = client_store_id(principal(app), "profiles:write")
    return AddressAnswer.of(consumer_profiles().add_address(store_id, profileId, body))


@app.get(f"{PROFILES}/<profileId>/addresses/<addressId>", summary="Get address", tags=[TAG], responses=READ)
def get_address(profileId: str, addressId: str) -> AddressAnswer:  # noqa: N803
    store_id = client_store_id(principal(app), "profiles:read")
    return AddressAnswer.of(consumer_profiles().address(store_id, profileId, addressId))


@app.put(f"{PROFILES}/<profileId>/addresses/<addressId>", summary="Update address", tags=[TAG], responses=WRITE)
def update_address(profileId: str, addressId: str, body: AddressChanges) -> AddressAnswer:  # noqa: N803
    store_id = client_store_id(principal(app), "profiles:write")
    return AddressAnswer.of(consumer_profiles().update_address(store_id, profileId, addressId, body))


@app.delete(f"{PROFILES}/<profileId>/addresses/<addressId>", summary="Delete address", tags=[TAG],
            responses=WRITE)
def delete_address(profileId: str, addressId: str, body: AddressDeletion) -> AddressDeleted:  # noqa: N803
    store_id = client_store_id(principal(app), "profiles:write")
    profile = consumer_profiles().delete_address(store_id, profileId, addressId, body.profile_revision)
    return AddressDeleted(profile_revision=profile.revision)


@app.get(f"{PROFILES}/<profileId>/orders", summary="List customer orders, newest first", tags=[TAG],
         responses=READ)
def consumer_orders(profileId: str, offset: Offset = 0, count: Count = 10) -> OrderList:  # noqa: N803
    store_id = client_store_id(principal(app), "profiles:read")
    orders, total = consumer_profiles().orders(store_id, profileId, PageWindow(offset=offset, count=count))
    return OrderList(count=len(orders), total=total, offset=offset, items=[OrderSummaryOut.of(o) for o in orders])


lambda_handler = lambda_entry(app, render=response_of, forms=[TOKEN_ROUTE])
