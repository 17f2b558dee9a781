"""Shippo through the official `shippo` library, with the store's own API token: rates for a parcel and the label of
a rate. The only module that imports shippo, and only when a call needs it, so no other function's cold start
grows. Tests and the local runner point it at localrunner.fake_shippo (SHIPPO_API_BASE)."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from storecrm.commerce.models.shipments import Label, ShippingRate
from storecrm.config import settings
from storecrm.kernel.errors import ProviderFailed

if TYPE_CHECKING:
    from storecrm.commerce.models.shipments import ParcelIn
    from storecrm.kernel.models.addresses import Address

# A connection that hangs must not hold the function until its own timeout.
TIMEOUT_SECONDS = 10


def _client(api_token: str) -> Any:
    import requests
    import shippo

    session = requests.Session()
    session.request = _with_timeout(session.request)
    return shippo.Shippo(api_key_header=api_token, server_url=settings().shippo_api_base, client=session)


def _with_timeout(request: Any) -> Any:
    def send(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return request(*args, **kwargs)
    return send


def _provider_message(body: str) -> str:
    """Shippo's own words from an error body (`detail`, `messages[].text`, or field errors), else the body."""
    try:
        found = json.loads(body)
    except ValueError:
        return body[:300] or "no answer"
    if isinstance(found, dict):
        if isinstance(found.get("detail"), str):
            return found["detail"]
        texts = [str(m["text"]) for m in found.get("messages") or [] if isinstance(m, dict) and m.get("text")]
        if texts:
            return "; ".join(texts)
        fields = [f"{name}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for name, v in found.items()]
        return "; ".join(fields)[:300]
    return str(found)[:300]


def _call(action: Any) -> Any:
    import requests
    from shippo.models import errors

    try:
        return action()
    except errors.SDKError as exc:
        raise ProviderFailed(f"Shippo refused the request ({exc.status_code}): {_provider_message(exc.body)}") \
            from None
    except requests.RequestException:
        raise ProviderFailed("Shippo could not be reached; try again shortly", "GENERAL.PROVIDER_UNREACHABLE") \
            from None


def _address(address: Address) -> Any:
    from shippo.models import components

    return components.AddressCreateRequest(
        country=address.country or "", name=address.name, company=address.company, street1=address.street1,
        street2=address.street2, city=address.city, state=address.state, zip=address.postal_code,
        phone=address.phone, email=address.email)


def _cents(amount: str) -> int:
    try:
        return int((Decimal(amount) * 100).to_integral_value())
    except InvalidOperation:
        raise ProviderFailed(f"Shippo answered an amount that is not a number: {amount!r}") from None


class ShippoGateway:
    def rates(self, api_token: str, from_address: Address, to_address: Address, parcel: ParcelIn) -> list[ShippingRate]:
        """One shipment created at Shippo (synchronously): its rates, in cents of their currency."""
        from shippo.models import components

        request = components.ShipmentCreateRequest(
            address_from=_address(from_address), address_to=_address(to_address), async_=False,
            parcels=[components.ParcelCreateRequest(
                mass_unit=components.WeightUnitEnum(parcel.mass_unit), weight=str(parcel.weight),
                distance_unit=components.DistanceUnitEnum(parcel.distance_unit), height=str(parcel.height),
                length=str(parcel.length), width=str(parcel.width))])
        shipment = _call(lambda: _client(api_token).shipments.create(request))
        return [ShippingRate(id=rate.object_id, provider="shippo", carrier=rate.provider,
                             service=(rate.servicelevel.token or rate.servicelevel.name or "") if rate.servicelevel
                             else "",
                             display_name=" ".join(filter(None, (rate.provider, rate.servicelevel.name
                                                                 if rate.servicelevel else None))),
                             amount=_cents(rate.amount), currency=rate.currency, estimated_days=rate.estimated_days)
                for rate in shipment.rates]

    def buy_label(self, api_token: str, rate_id: str) -> Label:
        """The label of a rate (a Shippo transaction, synchronously); a transaction Shippo answers with ERROR is a
        502 with its messages."""
        from shippo.models import components

        request = components.TransactionCreateRequest(rate=rate_id, async_=False,
                                                      label_file_type=components.LabelFileTypeEnum.PDF)
        made = _call(lambda: _client(api_token).transactions.create(request))
        status = getattr(made.status, "value", made.status)
        if status != "SUCCESS" or not made.tracking_number or not made.label_url:
            texts = "; ".join(m.text for m in made.messages or [] if getattr(m, "text", None))
            raise ProviderFailed(f"Shippo could not buy the label ({status}): {texts or 'no reason given'}")
        return Label(tracking_number=made.tracking_number, tracking_url=made.tracking_url_provider,
                     label_url=made.label_url)
