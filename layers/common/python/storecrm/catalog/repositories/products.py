"""A store's products: items in the store partition (purged with it), unique key and slug markers, list indexes."""

from __future__ import annotations

from collections.abc import Sequence

from storecrm.catalog.models.products import Product
from storecrm.kernel.errors import Conflict
from storecrm.kernel.models.events import OutboxEvent
from storecrm.kernel.repositories import keys
from storecrm.kernel.repositories.base import check_cursor, default_table, from_item, outbox_write, to_item
from storecrm.kernel.repositories.table import Item, Table, Write, delete, put, update
from storecrm.profiles.repositories.taxonomy_use import use_writes

# (variant id, location id, quantity): units a checkout takes from one variant's stock at one location.
StockTake = tuple[str, str, int]

PRODUCT_CHANGED = Conflict("The product changed meanwhile; read it again and retry", "PRODUCT.CONFLICT")

Position = dict[str, str]


def _key_taken(key: str) -> Conflict:
    return Conflict(f"A product with key '{key}' already exists in this store", "PRODUCT.KEY_TAKEN")


def _slug_taken(language: str, slug: str) -> Conflict:
    return Conflict(f"Another product of this store has the {language} slug '{slug}'", "PRODUCT.SLUG_TAKEN")


class ProductRepository:
    def __init__(self, table: Table | None = None) -> None:
        self.table = table or default_table()

    # ------------------------------------------------------------------ keys and items
    @staticmethod
    def item_key(store_id: str, product_id: str) -> keys.Key:
        return keys.product(store_id, product_id)

    @staticmethod
    def marker_key(store_id: str, key: str) -> keys.Key:
        return keys.product_key(store_id, key)

    @staticmethod
    def slug_key(store_id: str, language: str, slug: str) -> keys.Key:
        return keys.product_slug(store_id, language, slug)

    @staticmethod
    def from_item(item: Item | None) -> Product | None:
        return from_item(Product, item)

    @staticmethod
    def id_from_marker(item: Item | None) -> str | None:
        return str(item["product_id"]) if item else None

    # ------------------------------------------------------------------ reads
    def get(self, store_id: str, product_id: str) -> Product | None:
        return self.from_item(self.table.get(self.item_key(store_id, product_id)))

    def load(self, wanted: Sequence[keys.Key]) -> dict[keys.Key, Item]:
        """One BatchGetItem for the items a public product read needs."""
        return self.table.get_many(wanted)

    def list_page(self, store_id: str, sort_field: str, status: str | None, *, key_prefix: str | None = None,
                  created: tuple[int, int] | None = None, forward: bool, limit: int,
                  after: Position | None) -> tuple[list[Product], Position | None]:
        """One Query on the index for this order (all products, or one status), reading only the page.

        `key_prefix` is a key condition of the key order, `created` (inclusive) of created_at's.
        """
        assert sort_field == "key" or key_prefix is None
        assert sort_field == "created_at" or created is None
        all_index, status_index = keys.PRODUCT_LIST_INDEXES[sort_field]
        index, scope = (status_index, status) if status else (all_index, keys.ALL)
        partition = keys.products_of(store_id, scope)
        check_cursor(after, partition, index)
        between = None
        if created is not None:
            between = (keys.time_order(created[0], ""), keys.time_order(created[1], "~"))  # "~" sorts after ids
        page = self.table.query(partition, index=index, sk_prefix=key_prefix, sk_between=between, limit=limit,
                                start_key=after, forward=forward)
        products = [p for item in page.items if (p := self.from_item(item)) is not None]
        last = {k: str(v) for k, v in page.last_key.items()} if page.last_key else None
        return products, last

    # ------------------------------------------------------------------ writes
    def create(self, product: Product, events: Sequence[OutboxEvent]) -> None:
        self.table.transact([
            put(_item(product), unless_exists=Conflict("Product id collision")),
            put(_marker(product), unless_exists=_key_taken(product.key)),
            *[put(_slug_marker(product, language, slug), unless_exists=_slug_taken(language, slug))
              for language, slug in product.slug.items()],
            *use_writes(product.store_id, "PRODUCT", product.id, [], product.taxonomies),
            *[outbox_write(e) for e in events],
        ])

    def update(self, product: Product, previous: Product, events: Sequence[OutboxEvent]) -> None:
        """Writes `product` if nobody wrote it since `previous` was read; moves the markers that changed."""
        writes = [put(_item(product), condition="revision = :seen", values={":seen": previous.revision},
                      error=PRODUCT_CHANGED)]
        if product.key != previous.key:
            writes += [delete(keys.product_key(previous.store_id, previous.key)),
                       put(_marker(product), unless_exists=_key_taken(product.key))]
        old_slugs, new_slugs = set(previous.slug.items()), set(product.slug.items())
        writes += [delete(keys.product_slug(previous.store_id, language, slug))
                   for language, slug in sorted(old_slugs - new_slugs)]
        writes += [put(_slug_marker(product, language, slug), unless_exists=_slug_taken(language, slug))
                   for language, slug in sorted(new_slugs - old_slugs)]
        writes += use_writes(product.store_id, "PRODUCT", product.id, previous.taxonomies, product.taxonomies)
        self.table.transact([*writes, *[outbox_write(e) for e in events]])

    @staticmethod
    def stock_taken(product: Product, takes: Sequence[StockTake], error: Conflict) -> Write:
        """One update of the product item for a checkout's lines of it: each moves `quantity` from `available`
        to `reserved` at its location, on the condition that the location still holds that many (so stock is
        never oversold) and that the variant and location are still where they were when the product was read.
        The revision goes up, so a staff update made from an earlier read cannot write the old counts back."""
        return _stock_moved(product, takes, error, source="#a", target="#r")

    @staticmethod
    def stock_returned(product: Product, returns: Sequence[StockTake], error: Conflict) -> Write:
        """The reverse of `stock_taken` for a cancelled order's lines: each moves `quantity` back from `reserved`
        to `available`, on the same conditions (the reserved units still there)."""
        return _stock_moved(product, returns, error, source="#r", target="#a")

    def delete(self, product: Product, events: Sequence[OutboxEvent]) -> None:
        writes: list[Write] = [
            delete(self.item_key(product.store_id, product.id), condition="revision = :seen",
                   values={":seen": product.revision}, error=PRODUCT_CHANGED),
            delete(keys.product_key(product.store_id, product.key)),
            *[delete(keys.product_slug(product.store_id, language, slug)) for language, slug in product.slug.items()],
            *use_writes(product.store_id, "PRODUCT", product.id, product.taxonomies, []),
        ]
        self.table.transact([*writes, *[outbox_write(e) for e in events]])


def _item(product: Product) -> Item:
    return to_item(product, keys.product(product.store_id, product.id), "PRODUCT",
                   **keys.product_index_keys(product.store_id, product.id, product.status, product.created_at,
                                             product.updated_at, product.key))


def _marker(product: Product) -> Item:
    pk, sk = keys.product_key(product.store_id, product.key)
    return {"PK": pk, "SK": sk, "entity": "PRODUCTKEY", "product_id": product.id}


def _slug_marker(product: Product, language: str, slug: str) -> Item:
    pk, sk = keys.product_slug(product.store_id, language, slug)
    return {"PK": pk, "SK": sk, "entity": "PRODUCTSLUG", "product_id": product.id}


def _stock_moved(product: Product, moves: Sequence[StockTake], error: Conflict, *, source: str, target: str) -> Write:
    """Moves each line's quantity from `source` to `target` (`#a` available, `#r` reserved) at its location,
    if the variant and location are where they were read and `source` still holds that many."""
    names = {"#v": "variants", "#i": "inventory", "#a": "available", "#r": "reserved", "#id": "id",
             "#loc": "location_id", "#rev": "revision"}
    values: Item = {":one": 1}
    sets, conditions = ["#rev = #rev + :one"], ["attribute_exists(PK)"]
    for n, (variant_id, location_id, quantity) in enumerate(moves):
        v = next(i for i, variant in enumerate(product.variants) if variant.id == variant_id)
        s = next(i for i, stock in enumerate(product.variants[v].inventory) if stock.location_id == location_id)
        at = f"#v[{v}].#i[{s}]"
        values.update({f":q{n}": quantity, f":vid{n}": variant_id, f":loc{n}": location_id})
        sets += [f"{at}.{source} = {at}.{source} - :q{n}", f"{at}.{target} = {at}.{target} + :q{n}"]
        conditions += [f"#v[{v}].#id = :vid{n}", f"{at}.#loc = :loc{n}", f"{at}.{source} >= :q{n}"]
    return update(keys.product(product.store_id, product.id), "SET " + ", ".join(sets),
                  condition=" AND ".join(conditions), names=names, values=values, error=error)
