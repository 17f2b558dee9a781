"""Clienteling opt-ins as the NewStore dialect answers them: a consumer at a store location (seed 004's
opted-in customer `{id, name, phone_number, opt_in_date, store_id}`, with its state)."""

from __future__ import annotations

from storecrm.crm.clienteling import Consumer, ConsumerPage
from storecrm.crm.models.clienteling import ClientelingState
from storecrm.kernel.base_model import Model
from storecrm.newstore.schemas import iso


class ClientelingConsumerOut(Model):
    id: str  # the consumer profile's id
    name: str | None
    email: str | None
    phone_number: str | None
    store_id: str  # the store location's id
    store_name: str  # the location's key
    state: ClientelingState
    opt_in_date: str | None  # when it became `accepted`; null while it is not
    updated_at: str

    @classmethod
    def of(cls, consumer: Consumer) -> ClientelingConsumerOut:
        profile, opt_in = consumer.profile, consumer.opt_in
        name = " ".join(part for part in (profile.first_name, profile.last_name) if part) or profile.display_name
        return cls(id=profile.id, name=name or None, email=profile.email, phone_number=profile.phone,
                   store_id=consumer.location.id, store_name=consumer.location.key, state=opt_in.state,
                   opt_in_date=iso(opt_in.opt_in_date) if opt_in.opt_in_date is not None else None,
                   updated_at=iso(opt_in.updated_at))


class ClientelingConsumerList(Model):
    """Seed 004's own list shape for this call (`{count, total, offset, consumers}`), not the
    `{items, pagination_info}` of the profile lists: where the seed is explicit it wins."""

    count: int
    total: int
    offset: int
    consumers: list[ClientelingConsumerOut]

    @classmethod
    def of(cls, page: ConsumerPage) -> ClientelingConsumerList:
        return cls(count=len(page.items), total=page.total, offset=page.offset,
                   consumers=[ClientelingConsumerOut.of(c) for c in page.items])
