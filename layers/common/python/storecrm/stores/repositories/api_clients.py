"""A store's API clients (OAuth2 client credentials) and their store-wide list."""

from __future__ import annotations

from collections.abc import Sequence

from storecrm.kernel.errors import Conflict, NotFound
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import check_cursor, default_table, from_item, to_item
from storecrm.kernel.repositories.table import Item, Table, Write, put, set_fields
from storecrm.stores.models.api_clients import ApiClient

Position = dict[str, str]
CLIENT_GONE = NotFound("API client not found", "API_CLIENT.NOT_FOUND")


class ApiClientRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    @staticmethod
    def item_key(client_id: str) -> keys.Key:
        return keys.api_client(client_id)

    @staticmethod
    def from_item(item: Item | None) -> ApiClient | None:
        return from_item(ApiClient, item)

    def get(self, client_id: str) -> ApiClient | None:
        return from_item(ApiClient, self.table.get(keys.api_client(client_id)))

    @staticmethod
    def create_write(client: ApiClient) -> Write:
        return put(to_item(client, keys.api_client(client.id), "APICLIENT", GSI1PK=keys.api_clients_of(client.store_id),
                           GSI1SK=keys.time_order(client.created_at, client.id)),
                   unless_exists=Conflict("API client id collision"))

    def create(self, client: ApiClient, also: Sequence[Write] = ()) -> None:
        """`also` joins the transaction (the owner's access checks)."""
        self.table.transact([*also, self.create_write(client)])

    def page(self, store_id: str, *, limit: int, after: Position | None) -> tuple[list[ApiClient], Position | None]:
        partition = keys.api_clients_of(store_id)
        check_cursor(after, partition, "GSI1")
        page = self.table.query(partition, index="GSI1", limit=limit, start_key=after)
        clients = [c for item in page.items if (c := from_item(ApiClient, item)) is not None]
        last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
        return clients, last

    def revoke(self, client: ApiClient) -> None:
        """Marks the client revoked unless it is gone or revoked already (then it stays as it was)."""
        assert client.revoked_at is not None
        self.table.write(set_fields(keys.api_client(client.id),
                                    {"revoked_at": client.revoked_at, "updated_at": client.updated_at},
                                    condition="attribute_exists(PK)", error=CLIENT_GONE))
