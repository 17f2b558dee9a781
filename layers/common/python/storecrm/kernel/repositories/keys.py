"""Single-table key layout. Every key is built here, so the layout reads in one place.

item                 PK                          SK                   indexes
account              ACCOUNT#{id}                ACCOUNT
account email        ACCOUNTEMAIL#{email}        ACCOUNTEMAIL         (unique marker)
store                STORE#{id}                  STORE
store key            STOREKEY#{key}              STOREKEY             (unique marker)
membership           STORE#{id}                  MEMBER#{accountId}   GSI1 ACCOUNT#{accountId} / STORE#{id}
market               STORE#{id}                  MARKET#{id}
market key           STORE#{id}                  MARKETKEY#{key}      (unique marker, with a copy of the market)
offer                STORE#{id}                  OFFER#{id}           (plan, coupon, product SKU; one Query reads all)
audience             STORE#{id}                  AUDIENCE#{id}
audience key         STORE#{id}                  AUDIENCEKEY#{key}    (unique marker; key order drives find)
email template       STORE#{id}                  EMAILTEMPLATE#{id}   GSI1-GSI6, see email_template_index_keys
email template key   STORE#{id}                  EMAILTEMPLATEKEY#{key} (unique marker)
taxonomy             STORE#{id}                  TAXONOMY#{id}        GSI1-GSI6 like email templates (TAXONOMIES)
taxonomy key         STORE#{id}                  TAXONOMYKEY#{key}    (unique marker)
taxonomy child       STORE#{id}                  TAXCHILD#{parentId}#{childId}  (a copy: one Query lists them)
taxonomy use         STORE#{id}                  TAXUSE#{taxonomyId}#{PROFILE|PRODUCT|SERVICE}#{id}  (written with
                                                 the profile, product or service that carries its values)
form                 STORE#{id}                  FORM#{id}            GSI1-GSI6 like email templates (FORMS)
form key             STORE#{id}                  FORMKEY#{key}        (unique marker)
form submission      STORE#{id}                  FORMSUB#{formId}#{id} (UUIDv7 ids: key order is time order)
                     GSI1 STORE#{id}#FORMSUBS#ALL / {created}#{id}, GSI2 ...#FORMSUBS#PROFILE#{pid} / same,
                     GSI3 ...#FORMSUBS#FORM#{formId} / same
product              STORE#{id}                  PRODUCT#{id}         GSI1-GSI6, see product_index_keys
product key          STORE#{id}                  PRODUCTKEY#{key}     (unique marker)
product slug         STORE#{id}                  PRODUCTSLUG#{language}#{slug} (unique marker per language)
cart                 STORE#{id}                  CART#{id}            GSI1 ...#CARTS#{profileId}, GSI2 ...#CARTS#ALL
current cart         STORE#{id}                  CARTCURRENT#{sessionId}#{market}  (the session's open cart there)
service              STORE#{id}                  SERVICE#{id}         (ids are UUIDv7: SK order is creation order)
service key / slug   STORE#{id}                  SERVICEKEY#{key}, SERVICESLUG#{language}#{slug}  (unique markers)
provider             STORE#{id}                  PROVIDER#{id}
provider key / slug  STORE#{id}                  PROVIDERKEY#{key}, PROVIDERSLUG#{language}#{slug}  (unique markers)
service provider     STORE#{id}                  SERVICEPROVIDER#{serviceId}#{providerId}  (one per pair)
                     GSI1 STORE#{id}#PROVIDERSERVICES#{providerId} / {serviceId}  (a provider's services)
service provider id  STORE#{id}                  SERVICEPROVIDERID#{id}  (names the pair: the client's paths use the id)
booked time          STORE#{id}                  BOOKING#{providerId}#{cell start}  one per 5-minute cell a
                                                 booked service line covers (unique: no double booking)
order reminder       STORE#{id}                  REMINDER#{orderId}#{lineId}#{offset}  DueIndex, see minute_due
order                STORE#{id}                  ORDER#{id}           GSI1-GSI6, see order_index_keys, order_find_keys;
                                                                      an unpaid card order: DueIndex DUE#PAYMENTHOLD
order number         STORE#{id}                  ORDERNUMBER          (the last number given)
profile's commerce   STORE#{id}                  PROFILECOMMERCE#{profileId}  (has_cart / has_activity facts)
activity             STORE#{id}                  ACTIVITY#{profileId}#{ts}#{id}  (a profile's timeline, TTL)
                     GSI1 STORE#{id}#ACTIVITIES / {ts}#{id}, GSI2 STORE#{id}#ACTIVITIES#{type} / {ts}#{id}
                                                 and PROMO#{promoCodeId} attributes: the profile's uses of each code
promo code           STORE#{id}                  PROMOCODE#{CODE}     (the key is the code, upper case: unique per
                                                 store, read by code with a cart's items; its `uses` are counted on it)
                     GSI1 STORE#{id}#PROMOCODES / {id}  (by id, in creation order: UUIDv7)
subscription         AUDIENCE#{audienceId}       SUBSCRIBER#{pid}
profile's subscriptions PROFILE#{pid}            SUBSCRIPTIONS        one attribute SUB#{audienceId} per subscription
used audience token  AUDTOKEN#{tokenId}          AUDTOKEN             (single-use marker, TTL expires_at)
email verification   EMAILVERIFY#{profileId}     EMAILVERIFY          (the latest mailed token's hash, TTL expires_at)
session              SESSION#{id}                SESSION              GSI1 {OWNER}#{ownerId}#SESSIONS / {created}
auth code            CODE#{scope}#{email}        CODE
rate counter         RATE#{bucket}#{subject}     {window start}
outbox event         STORE#{id}#EVENT            {ts}#{eventId}
                     GSI2 STORE#{id}#PROFILEEVENTS#{profileId} / {ts}#{eventId}  (an event naming a profile's data)
erased profile       STORE#{id}                  ERASED#{profileId}   (its events are not delivered again; TTL)
outbox mail          STORE#{id}#MAIL             {ts}#{mailId}        a store mail, sent once by the mail function (TTL)
mail quota           STORE#{id}                  MAILQUOTA#{UTC day}  the day's sent and refused store mails (TTL)
mailed recipient     STORE#{id}                  MAILED#{scope}#{hash of the address}  (TTL: 24 hours after the mail)
purge job            PURGE#{storeId}             PURGE                DueIndex DUE / {due at}#PURGE#{storeId}
scheduler cursor     SCHEDULER                   DUEMINUTES           (the last due minute fully worked through)
parked job           (any job item above)                             DueIndex DUE#PARKED / {parked at}#{work}: failed
                                                                      its last try (see kernel/jobs.py)
migration cursor     MIGRATIONS                  {version}            (a data migration's progress, see migrations.py)
webhook              STORE#{id}                  WEBHOOK#{id}
media                STORE#{id}                  MEDIA#{id}           (UUIDv7 ids: key order is upload order)
media upload         STORE#{id}                  MEDIAUPLOAD#{id}     a presigned upload not completed yet:
                                                                      DueIndex DUE#MEDIAUPLOAD (its object goes)
media usage          STORE#{id}                  MEDIAUSAGE           (bytes and items, kept in each media write)
plan counter         STORE#{id}                  PLANCOUNT#{what}     (audiences, webhooks; kept by creates and deletes)
webhook key          STORE#{id}                  WEBHOOKKEY#{key}     (unique marker)
webhook delivery     STORE#{id}#DELIVERY         {webhookId}#{eventId}
                     GSI1 STORE#{id}#WEBHOOK#{webhookId}#DELIVERIES / {event ts}#{eventId} (newest last)
                     GSI2 STORE#{id}#PROFILEEVENTS#{profileId} / {event ts}#{eventId}#{webhookId} (as its event)
integration          STORE#{id}                  INTEGRATION#{id}
integration key      STORE#{id}                  INTEGRATIONKEY#{key} (unique marker)
active integration   STORE#{id}                  INTEGRATIONACTIVE#{category}  (at most one per category)
idempotency record   IDEMPOTENCY#{function}      {hash}               (Powertools idempotency, TTL)
api client           APICLIENT#{id}              APICLIENT            GSI1 STORE#{id}#APICLIENTS / {created}#{clientId}
                     (its own partition: a token request knows only the client id; the store's purge finds it by GSI1)
location             STORE#{id}                  LOCATION#{id}
location key         STORE#{id}                  LOCATIONKEY#{key}    (unique marker)
clienteling opt-in   STORE#{id}                  CLIENTELING#{locationId}#{profileId}  (one per profile and location)
profile's opt-ins    STORE#{id}                  CLIENTELINGPROFILE#{profileId}  (location id -> state, for opting out)
location's consumers STORE#{id}                  CLIENTELINGCOUNT#{locationId}   (how many opt-ins it holds)
profile              PROFILE#{id}                PROFILE              GSI1-GSI6, see profile_index_keys
profile email        STORE#{id}#EMAIL#{email}    EMAIL                (unique marker)
profile username     STORE#{id}#USERNAME#{name}  USERNAME             (unique marker, lower case)
search term          STORE#{id}#TERM#{WORD|WHOLE}#{2 chars}  {term}#{profileId}  (words; whole emails and ids)
taxonomy value       STORE#{id}#TAX#{tax}#{key}  {value}#{profileId}  (values encoded to sort, see search.py)
contact term         STORE#{id}#CONTACT#{2 chars}  {n|e|p}:{term}#{profileId}  (name words, whole email, phone digits)
profile by creator   STORE#{id}#CREATEDBY#{who}  {created_at}#{profileId}
extended attribute   STORE#{id}#XATTR#{name}     {len}:{value}#{profileId}  (lower case; the length keeps values apart)
profile count        STORE#{id}                  PROFILECOUNT#{shard} (kept by each transaction adding or erasing one)
profile display id   STORE#{id}                  DISPLAYID#{displayId}  (unique marker)
profile deletion     PROFILEDELETION#{id}        PROFILEDELETION      DueIndex DUE#PROFILEDELETION / {due at}#...
profile order entry  STORE#{id}#ORDER#{field}    {sort value}#{profileId}  (created_at, email: deep offsets)

Profile lists: each sort order has one index over all of a store's profiles and one per status,
so a page is a single Query that reads only that page.
  GSI1 / GSI2  STORE#{id}#PROFILES#ALL / #{status}    {created_at}#{profileId}
  GSI3 / GSI4  STORE#{id}#PROFILES#ALL / #{status}    {updated_at}#{profileId}
  GSI5 / GSI6  STORE#{id}#PROFILES#ALL / #{status}    {email or ~ for guests}#{profileId}

Email template lists, the same way (a key prefix or a created_at range is a key condition on its index):
  GSI1 / GSI2  STORE#{id}#EMAILTEMPLATES#ALL / #{status}    {created_at}#{templateId}
  GSI3 / GSI4  STORE#{id}#EMAILTEMPLATES#ALL / #{status}    {updated_at}#{templateId}
  GSI5 / GSI6  STORE#{id}#EMAILTEMPLATES#ALL / #{status}    {key}

Work due at a minute (order reminders, idle carts): the DueIndex (sparse, keys only) partition of the minute,
spread over DUE_SHARDS shards so a minute with many items does not write one partition; its sort key names the
item's kind and what the work needs to find its records:
  DUEPK DUEMIN#{epoch minute}#{shard}   DUESK {due second}#{kind}#{storeId}#...

Order lists, newest first by default; each find filter with an index of its own is a key condition, the rest
filter the page read (a created_at range is a key condition on every one):
  GSI1 / GSI2  STORE#{id}#ORDERS#{profileId} / #ALL          {created_at}#{orderId}
  GSI3         STORE#{id}#ORDERS#STATUS#{status}              {created_at}#{orderId}
  GSI4 / GSI5  STORE#{id}#ORDERS#EMAIL#{email} / #NUMBER#{n}  {created_at}#{orderId}  (the find's `query`)
  GSI6         STORE#{id}#ORDERS#SESSION#{sessionId}          {created_at}#{orderId}  (a shopper's own orders)

Product lists, the same way (storefronts read the `active` ones):
  GSI1 / GSI2  STORE#{id}#PRODUCTS#ALL / #{status}    {created_at}#{productId}
  GSI3 / GSI4  STORE#{id}#PRODUCTS#ALL / #{status}    {updated_at}#{productId}
  GSI5 / GSI6  STORE#{id}#PRODUCTS#ALL / #{status}    {key}
"""

from __future__ import annotations

import zlib

Key = tuple[str, str]


def account(account_id: str) -> Key:
    return f"ACCOUNT#{account_id}", "ACCOUNT"


def account_email(email: str) -> Key:
    return f"ACCOUNTEMAIL#{email}", "ACCOUNTEMAIL"


def store(store_id: str) -> Key:
    return f"STORE#{store_id}", "STORE"


def store_partition(store_id: str) -> str:
    return f"STORE#{store_id}"


def store_key(key: str) -> Key:
    return f"STOREKEY#{key}", "STOREKEY"


def member(store_id: str, account_id: str) -> Key:
    return f"STORE#{store_id}", f"MEMBER#{account_id}"


MEMBER_PREFIX = "MEMBER#"


def memberships_of(account_id: str) -> str:
    """GSI1 partition listing an account's stores."""
    return f"ACCOUNT#{account_id}"


def market(store_id: str, market_id: str) -> Key:
    return f"STORE#{store_id}", f"MARKET#{market_id}"


MARKET_PREFIX = "MARKET#"


def offer(store_id: str, offer_id: str) -> Key:
    return f"STORE#{store_id}", f"{OFFER_PREFIX}{offer_id}"


OFFER_PREFIX = "OFFER#"


def market_key(store_id: str, key: str) -> Key:
    return f"STORE#{store_id}", f"MARKETKEY#{key}"


def audience(store_id: str, audience_id: str) -> Key:
    return f"STORE#{store_id}", f"AUDIENCE#{audience_id}"


AUDIENCE_PREFIX = "AUDIENCE#"
AUDIENCE_KEY_PREFIX = "AUDIENCEKEY#"


def audience_key(store_id: str, key: str) -> Key:
    return f"STORE#{store_id}", f"{AUDIENCE_KEY_PREFIX}{key}"


def email_template(store_id: str, template_id: str) -> Key:
    return f"STORE#{store_id}", f"EMAILTEMPLATE#{template_id}"


EMAIL_TEMPLATE_PREFIX = "EMAILTEMPLATE#"


def email_template_key(store_id: str, key: str) -> Key:
    return f"STORE#{store_id}", f"EMAILTEMPLATEKEY#{key}"


# sort field -> (index over all of a store's templates, index per status)
EMAIL_TEMPLATE_LIST_INDEXES = {"created_at": ("GSI1", "GSI2"), "updated_at": ("GSI3", "GSI4"), "key": ("GSI5", "GSI6")}


def email_templates_of(store_id: str, scope: str) -> str:
    """An email-template list partition: scope is ALL or a status."""
    return f"STORE#{store_id}#EMAILTEMPLATES#{scope}"


def keyed_list_index_keys(partition: str, item_id: str, status: str, created_at: int, updated_at: int,
                          key: str) -> dict[str, str]:
    """The six list-index keys of a keyed collection laid out like email templates (GSI1-GSI6 of
    EMAIL_TEMPLATE_LIST_INDEXES): `partition` is the collection's list partition without its scope."""
    sort_values = {"created_at": time_order(created_at, item_id), "updated_at": time_order(updated_at, item_id),
                   "key": key}
    attributes: dict[str, str] = {}
    for field, (all_index, status_index) in EMAIL_TEMPLATE_LIST_INDEXES.items():
        for index, scope in ((all_index, ALL), (status_index, status)):
            attributes[f"{index}PK"] = f"{partition}#{scope}"
            attributes[f"{index}SK"] = sort_values[field]
    return attributes


def taxonomy(store_id: str, taxonomy_id: str) -> Key:
    return f"STORE#{store_id}", f"TAXONOMY#{taxonomy_id}"


def taxonomy_key(store_id: str, key: str) -> Key:
    return f"STORE#{store_id}", f"TAXONOMYKEY#{key}"


def taxonomies_list(store_id: str) -> str:
    return f"STORE#{store_id}#TAXONOMIES"


def taxonomy_child(store_id: str, parent_id: str, child_id: str) -> Key:
    return f"STORE#{store_id}", f"TAXCHILD#{parent_id}#{child_id}"


def taxonomy_children_prefix(parent_id: str) -> str:
    return f"TAXCHILD#{parent_id}#"


def taxonomy_use(store_id: str, taxonomy_id: str, kind: str, entity_id: str) -> Key:
    """A profile, product or service carries values of the taxonomy (kind PROFILE, PRODUCT or SERVICE)."""
    return f"STORE#{store_id}", f"{taxonomy_use_prefix(taxonomy_id)}{kind}#{entity_id}"


def taxonomy_use_prefix(taxonomy_id: str) -> str:
    return f"TAXUSE#{taxonomy_id}#"


def form(store_id: str, form_id: str) -> Key:
    return f"STORE#{store_id}", f"FORM#{form_id}"


def form_key(store_id: str, key: str) -> Key:
    return f"STORE#{store_id}", f"FORMKEY#{key}"


def forms_list(store_id: str) -> str:
    return f"STORE#{store_id}#FORMS"


def form_submission(store_id: str, form_id: str, submission_id: str) -> Key:
    return f"STORE#{store_id}", f"FORMSUB#{form_id}#{submission_id}"


# GSI1: every submission of the store; GSI2: one profile's; GSI3: one form's (newest first by created_at).
FORM_SUBMISSION_INDEXES = {"all": "GSI1", "profile": "GSI2", "form": "GSI3"}


def form_submissions_of(store_id: str, scope: str) -> str:
    """A submission list partition: scope ALL, PROFILE#{id} or FORM#{id}."""
    return f"STORE#{store_id}#FORMSUBS#{scope}"


def form_submission_index_keys(store_id: str, form_id: str, profile_id: str, created_at: int,
                               submission_id: str) -> dict[str, str]:
    order = time_order(created_at, submission_id)
    return {"GSI1PK": form_submissions_of(store_id, ALL), "GSI1SK": order,
            "GSI2PK": form_submissions_of(store_id, f"PROFILE#{profile_id}"), "GSI2SK": order,
            "GSI3PK": form_submissions_of(store_id, f"FORM#{form_id}"), "GSI3SK": order}


def time_order(at: int, item_id: str) -> str:
    """A sort key in time order; ties are broken by id."""
    return f"{at:010d}#{item_id}"


def email_template_index_keys(store_id: str, template_id: str, status: str, created_at: int, updated_at: int,
                              key: str) -> dict[str, str]:
    # Keys are unique per store, so the key alone orders and identifies a template.
    sort_values = {"created_at": time_order(created_at, template_id),
                   "updated_at": time_order(updated_at, template_id), "key": key}
    attributes: dict[str, str] = {}
    for field, (all_index, status_index) in EMAIL_TEMPLATE_LIST_INDEXES.items():
        for index, scope in ((all_index, ALL), (status_index, status)):
            attributes[f"{index}PK"] = email_templates_of(store_id, scope)
            attributes[f"{index}SK"] = sort_values[field]
    return attributes


def product(store_id: str, product_id: str) -> Key:
    return f"STORE#{store_id}", f"PRODUCT#{product_id}"


def product_key(store_id: str, key: str) -> Key:
    return f"STORE#{store_id}", f"PRODUCTKEY#{key}"


def product_slug(store_id: str, language: str, slug: str) -> Key:
    return f"STORE#{store_id}", f"PRODUCTSLUG#{language}#{slug}"


# sort field -> (index over all of a store's products, index per status)
PRODUCT_LIST_INDEXES = {"created_at": ("GSI1", "GSI2"), "updated_at": ("GSI3", "GSI4"), "key": ("GSI5", "GSI6")}


def products_of(store_id: str, scope: str) -> str:
    """A product-list partition: scope is ALL or a status."""
    return f"STORE#{store_id}#PRODUCTS#{scope}"


def product_index_keys(store_id: str, product_id: str, status: str, created_at: int, updated_at: int,
                       key: str) -> dict[str, str]:
    # Keys are unique per store, so the key alone orders and identifies a product.
    sort_values = {"created_at": time_order(created_at, product_id),
                   "updated_at": time_order(updated_at, product_id), "key": key}
    attributes: dict[str, str] = {}
    for field, (all_index, status_index) in PRODUCT_LIST_INDEXES.items():
        for index, scope in ((all_index, ALL), (status_index, status)):
            attributes[f"{index}PK"] = products_of(store_id, scope)
            attributes[f"{index}SK"] = sort_values[field]
    return attributes


def cart(store_id: str, cart_id: str) -> Key:
    return f"STORE#{store_id}", f"CART#{cart_id}"


def current_cart(store_id: str, session_id: str, market: str) -> Key:
    return f"STORE#{store_id}", f"CARTCURRENT#{session_id}#{market}"


def carts_of(store_id: str, scope: str) -> str:
    """A cart-list partition: scope is a profile id or ALL."""
    return f"STORE#{store_id}#CARTS#{scope}"


def cart_index_keys(store_id: str, cart_id: str, profile_id: str, created_at: int) -> dict[str, str]:
    order = time_order(created_at, cart_id)
    return {"GSI1PK": carts_of(store_id, profile_id), "GSI1SK": order,
            "GSI2PK": carts_of(store_id, ALL), "GSI2SK": order}


def catalog_entry(store_id: str, kind: str, entry_id: str) -> Key:
    """A service or provider (`kind` SERVICE or PROVIDER)."""
    return f"STORE#{store_id}", f"{kind}#{entry_id}"


def catalog_entry_key(store_id: str, kind: str, key: str) -> Key:
    return f"STORE#{store_id}", f"{kind}KEY#{key}"


def catalog_entry_slug(store_id: str, kind: str, language: str, slug: str) -> Key:
    return f"STORE#{store_id}", f"{kind}SLUG#{language}#{slug}"


def service_provider(store_id: str, service_id: str, provider_id: str) -> Key:
    return f"STORE#{store_id}", f"{SERVICE_PROVIDER_PREFIX}{service_id}#{provider_id}"


SERVICE_PROVIDER_PREFIX = "SERVICEPROVIDER#"


def service_provider_id(store_id: str, link_id: str) -> Key:
    return f"STORE#{store_id}", f"SERVICEPROVIDERID#{link_id}"


def services_of_provider(store_id: str, provider_id: str) -> str:
    """GSI1 partition of the service providers of one provider."""
    return f"STORE#{store_id}#PROVIDERSERVICES#{provider_id}"


BOOKING_CELL_SECONDS = 300


def booked_cell(store_id: str, provider_id: str, cell_start: int) -> Key:
    return f"STORE#{store_id}", f"{BOOKING_PREFIX}{provider_id}#{cell_start:010d}"


BOOKING_PREFIX = "BOOKING#"


def order(store_id: str, order_id: str) -> Key:
    return f"STORE#{store_id}", f"ORDER#{order_id}"


def order_index_keys(store_id: str, order_id: str, profile_id: str, created_at: int) -> dict[str, str]:
    at = time_order(created_at, order_id)
    return {"GSI1PK": orders_of(store_id, profile_id), "GSI1SK": at,
            "GSI2PK": orders_of(store_id, ALL), "GSI2SK": at}


def orders_of(store_id: str, scope: str) -> str:
    """An order-list partition: scope is a profile id, ALL, or STATUS#, EMAIL#, NUMBER#, SESSION# and a value."""
    return f"STORE#{store_id}#ORDERS#{scope}"


# find filter -> the index whose partition holds the orders that match it
ORDER_FIND_INDEXES = {"profile_id": "GSI1", "all": "GSI2", "status": "GSI3", "email": "GSI4", "number": "GSI5",
                      "session_id": "GSI6"}


def order_find_keys(store_id: str, order_id: str, created_at: int, status: str, email: str | None, number: str,
                    session_id: str | None) -> dict[str, str]:
    """The index keys of an order beside `order_index_keys` (status, email, number and session lists)."""
    at = time_order(created_at, order_id)
    scopes = {"GSI3": f"STATUS#{status}", "GSI4": f"EMAIL#{email}" if email else None, "GSI5": f"NUMBER#{number}",
              "GSI6": f"SESSION#{session_id}" if session_id else None}
    attributes: dict[str, str] = {}
    for index, scope in scopes.items():
        if scope is not None:
            attributes.update({f"{index}PK": orders_of(store_id, scope), f"{index}SK": at})
    return attributes


PAYMENT_HOLDS_DUE = "DUE#PAYMENTHOLD"


def payment_hold_due(store_id: str, order_id: str, until: int) -> dict[str, str]:
    """DueIndex keys of an unpaid card order: the scheduler releases its stock at `until`."""
    return {"DUEPK": PAYMENT_HOLDS_DUE, "DUESK": due_sort(until, f"{store_id}#{order_id}")}


def order_number(store_id: str) -> Key:
    return f"STORE#{store_id}", "ORDERNUMBER"


def profile_commerce(store_id: str, profile_id: str) -> Key:
    """What a profile's carts and orders make true of it, kept in the transactions that change them. It
    lives in the store partition, so the store's purge removes it and a profile detail reads it in its
    one BatchGetItem."""
    return f"STORE#{store_id}", f"PROFILECOMMERCE#{profile_id}"


def promo_code(store_id: str, code: str) -> Key:
    """A code is case-insensitive: its item's key is the code upper-cased."""
    return f"STORE#{store_id}", f"PROMOCODE#{code.strip().upper()}"


def promo_codes_of(store_id: str) -> str:
    """GSI1 partition listing a store's promo codes by id."""
    return f"STORE#{store_id}#PROMOCODES"


def promo_code_index_keys(store_id: str, promo_code_id: str) -> dict[str, str]:
    return {"GSI1PK": promo_codes_of(store_id), "GSI1SK": promo_code_id}


def promo_uses_attribute(promo_code_id: str) -> str:
    """The attribute of a profile's commerce facts item counting its uses of one code."""
    return f"PROMO#{promo_code_id}"


def subscribers_of(audience_id: str) -> str:
    """An audience's subscriptions live in its own partition (purged with the store)."""
    return f"AUDIENCE#{audience_id}"


SUBSCRIBER_PREFIX = "SUBSCRIBER#"


def subscription(audience_id: str, profile_id: str) -> Key:
    return subscribers_of(audience_id), f"{SUBSCRIBER_PREFIX}{profile_id}"


def profile_subscriptions(profile_id: str) -> Key:
    """A copy of each of a profile's subscriptions, on one item beside the profile, written in the
    subscription's own transaction. Its key is known from the profile id alone, so a profile detail
    reads it in the BatchGetItem that reads the profile and checks the caller's store access (one
    call); a Query of the profile's partition could not read the store's membership items too."""
    return f"PROFILE#{profile_id}", "SUBSCRIPTIONS"


LISTED_SUBSCRIPTION_PREFIX = "SUB#"


def listed_subscription(audience_id: str) -> str:
    """The attribute of `profile_subscriptions` that holds the subscription to one audience."""
    return f"{LISTED_SUBSCRIPTION_PREFIX}{audience_id}"


def used_audience_token(token_id: str) -> Key:
    return f"AUDTOKEN#{token_id}", "AUDTOKEN"


def email_verification(profile_id: str) -> Key:
    return f"EMAILVERIFY#{profile_id}", "EMAILVERIFY"


def session(session_id: str) -> Key:
    return f"SESSION#{session_id}", "SESSION"


def sessions_of(owner_kind: str, owner_id: str) -> str:
    return f"{owner_kind.upper()}#{owner_id}#SESSIONS"


def auth_code(scope: str, email: str) -> Key:
    return f"CODE#{scope}#{email}", "CODE"


def rate_counter(bucket: str, subject: str, window_start: int) -> Key:
    return f"RATE#{bucket}#{subject}", f"{window_start:010d}"


def store_events(store_id: str) -> str:
    return f"STORE#{store_id}#EVENT"


def event(store_id: str, created_at: int, event_id: str) -> Key:
    return store_events(store_id), f"{created_at:010d}#{event_id}"


def profile_events(store_id: str, profile_id: str) -> str:
    """GSI2 partition of the outbox events and delivery log entries that carry one profile's data, so its erasure
    finds them without reading the store's whole log."""
    return f"STORE#{store_id}#PROFILEEVENTS#{profile_id}"


def profile_event_index(store_id: str, profile_id: str, created_at: int, event_id: str,
                        webhook_id: str | None = None) -> dict[str, str]:
    sort = f"{created_at:010d}#{event_id}" + (f"#{webhook_id}" if webhook_id else "")
    return {"GSI2PK": profile_events(store_id, profile_id), "GSI2SK": sort}


def erased_profile(store_id: str, profile_id: str) -> Key:
    return f"STORE#{store_id}", f"ERASED#{profile_id}"


def store_mails(store_id: str) -> str:
    return f"STORE#{store_id}#MAIL"


def store_mail(store_id: str, created_at: int, mail_id: str) -> Key:
    return store_mails(store_id), f"{created_at:010d}#{mail_id}"


def mail_quota(store_id: str, day: str) -> Key:
    return f"STORE#{store_id}", f"MAILQUOTA#{day}"


def mailed_recipient(store_id: str, scope: str, address_hash: str) -> Key:
    return f"STORE#{store_id}", f"MAILED#{scope}#{address_hash}"


def purge_job(store_id: str) -> Key:
    return f"PURGE#{store_id}", "PURGE"


DUE_PARTITION = "DUE"
DUE_SHARDS = 8
MINUTE_QUEUE = "DUEMIN"


def minute_due(minute: int, shard: int) -> str:
    return f"{MINUTE_QUEUE}#{minute:09d}#{shard}"


def minute_due_attributes(due_at: int, work: str) -> dict[str, str]:
    """DueIndex keys of work due at `due_at`: the partition of its minute, on the shard `work` hashes to; the sort
    key starts with the second it is due, so the minute in progress can be read up to now."""
    shard = zlib.crc32(work.encode()) % DUE_SHARDS
    return {"DUEPK": minute_due(due_at // 60, shard), "DUESK": f"{due_at:010d}#{work}"}


def due_minutes_cursor() -> Key:
    return "SCHEDULER", "DUEMINUTES"


# A job that failed its last try leaves its queue for this DueIndex partition (its item keeps what it needs to be
# put back: `parked_from`, the partition it was due in, or MINUTE_QUEUE for the minute partitions).
PARKED_JOBS = "DUE#PARKED"


def is_minute_due(partition: str) -> bool:
    return partition.startswith(f"{MINUTE_QUEUE}#")


MIGRATIONS = "MIGRATIONS"


def migration(version: str) -> Key:
    return MIGRATIONS, version


def order_reminder(store_id: str, order_id: str, line_id: str, offset: int) -> Key:
    return f"STORE#{store_id}", f"REMINDER#{order_id}#{line_id}#{offset}"


def due_sort(due_at: int, job_pk: str) -> str:
    return f"{due_at:010d}#{job_pk}"


def activities_of(profile_id: str) -> str:
    """The sort-key prefix of one profile's activities in its store's partition (newest last)."""
    return f"ACTIVITY#{profile_id}#"


def activity(store_id: str, profile_id: str, created_at: int, activity_id: str) -> Key:
    return store_partition(store_id), f"{activities_of(profile_id)}{created_at:010d}#{activity_id}"


def store_activities(store_id: str, activity_type: str | None = None) -> str:
    """GSI1 (every type) or GSI2 (one type) partition of a store's activities, in time order."""
    return f"STORE#{store_id}#ACTIVITIES" + (f"#{activity_type}" if activity_type else "")


def store_partitions(store_id: str) -> list[str]:
    """Every partition that belongs to one store and only to it (purged when it is deleted).

    Audience subscriber partitions (`subscribers_of`) belong to it too; the purge finds them
    through the audience items in the store partition.
    """
    return [store_partition(store_id), store_events(store_id), store_deliveries(store_id), store_mails(store_id)]


MEDIA_PREFIX = "MEDIA#"


def media(store_id: str, media_id: str) -> Key:
    return f"STORE#{store_id}", f"{MEDIA_PREFIX}{media_id}"


def media_upload(store_id: str, media_id: str) -> Key:
    return f"STORE#{store_id}", f"MEDIAUPLOAD#{media_id}"


MEDIA_UPLOADS_DUE = "DUE#MEDIAUPLOAD"


def media_upload_due(store_id: str, media_id: str, at: int) -> dict[str, str]:
    """DueIndex keys of a presigned upload: the scheduler deletes it and its object if not completed by `at`."""
    return {"DUEPK": MEDIA_UPLOADS_DUE, "DUESK": due_sort(at, f"{store_id}#{media_id}")}


def media_usage(store_id: str) -> Key:
    return f"STORE#{store_id}", "MEDIAUSAGE"


def plan_counter(store_id: str, what: str) -> Key:
    return f"STORE#{store_id}", f"PLANCOUNT#{what}"


def webhook(store_id: str, webhook_id: str) -> Key:
    return f"STORE#{store_id}", f"WEBHOOK#{webhook_id}"


WEBHOOK_PREFIX = "WEBHOOK#"


def webhook_key(store_id: str, key: str) -> Key:
    return f"STORE#{store_id}", f"WEBHOOKKEY#{key}"


def store_deliveries(store_id: str) -> str:
    return f"STORE#{store_id}#DELIVERY"


def delivery(store_id: str, webhook_id: str, event_id: str) -> Key:
    return store_deliveries(store_id), f"{webhook_id}#{event_id}"


def deliveries_of(store_id: str, webhook_id: str) -> str:
    """GSI1 partition listing one webhook's deliveries, newest event last."""
    return f"STORE#{store_id}#WEBHOOK#{webhook_id}#DELIVERIES"


def delivery_order(event_created_at: int, event_id: str) -> str:
    return f"{event_created_at:010d}#{event_id}"


def integration(store_id: str, integration_id: str) -> Key:
    return f"STORE#{store_id}", f"INTEGRATION#{integration_id}"


INTEGRATION_PREFIX = "INTEGRATION#"


def integration_key(store_id: str, key: str) -> Key:
    return f"STORE#{store_id}", f"INTEGRATIONKEY#{key}"


def active_integration(store_id: str, category: str) -> Key:
    return f"STORE#{store_id}", f"INTEGRATIONACTIVE#{category}"


def api_client(client_id: str) -> Key:
    return f"APICLIENT#{client_id}", "APICLIENT"


def api_clients_of(store_id: str) -> str:
    """GSI1 partition listing a store's API clients, oldest first."""
    return f"STORE#{store_id}#APICLIENTS"


def idempotency_partition(function: str) -> str:
    return f"IDEMPOTENCY#{function}"


INDEX_KEYS: dict[str | None, tuple[str, str]] = {None: ("PK", "SK"), "DueIndex": ("DUEPK", "DUESK"),
              **{f"GSI{i}": (f"GSI{i}PK", f"GSI{i}SK") for i in range(1, 7)}}


def profile(profile_id: str) -> Key:
    return f"PROFILE#{profile_id}", "PROFILE"


def profile_email(store_id: str, email: str) -> Key:
    return f"STORE#{store_id}#EMAIL#{email}", "EMAIL"


def profile_username(store_id: str, username: str) -> Key:
    return f"STORE#{store_id}#USERNAME#{username.lower()}", "USERNAME"


ALL = "ALL"
# sort field -> (index over all profiles, index per status)
PROFILE_LIST_INDEXES = {"created_at": ("GSI1", "GSI2"), "updated_at": ("GSI3", "GSI4"), "email": ("GSI5", "GSI6")}


def profiles_of(store_id: str, scope: str) -> str:
    """A profile-list partition: scope is ALL or a status."""
    return f"STORE#{store_id}#PROFILES#{scope}"


def profile_sort_values(created_at: int, updated_at: int, email: str | None) -> dict[str, str]:
    return {"created_at": f"{created_at:010d}", "updated_at": f"{updated_at:010d}", "email": email or "~"}


def profile_index_keys(store_id: str, profile_id: str, status: str, created_at: int, updated_at: int,
                       email: str | None) -> dict[str, str]:
    sort_values = profile_sort_values(created_at, updated_at, email)
    attributes: dict[str, str] = {}
    for field, (all_index, status_index) in PROFILE_LIST_INDEXES.items():
        for index, scope in ((all_index, ALL), (status_index, status)):
            attributes[f"{index}PK"] = profiles_of(store_id, scope)
            attributes[f"{index}SK"] = f"{sort_values[field]}#{profile_id}"
    return attributes


def profile_updated_order(profile_id: str, updated_at: int) -> dict[str, str]:
    """The index sort keys that change when only a profile's updated_at does."""
    return {f"{index}SK": f"{updated_at:010d}#{profile_id}" for index in PROFILE_LIST_INDEXES["updated_at"]}


def search_partition(store_id: str, term: str) -> str:
    """Whole emails and ids live apart from words, so a word search never meets the same profile
    again through its email (which starts with the same letters)."""
    kind = "WHOLE" if "@" in term or "-" in term else "WORD"
    return f"STORE#{store_id}#TERM#{kind}#{term[:2]}"


def search_term(store_id: str, term: str, profile_id: str) -> Key:
    return search_partition(store_id, term), f"{term}#{profile_id}"


def taxonomy_partition(store_id: str, taxonomy_id: str, field_key: str) -> str:
    return f"STORE#{store_id}#TAX#{taxonomy_id}#{field_key}"


def taxonomy_value(store_id: str, taxonomy_id: str, field_key: str, encoded: str, profile_id: str) -> Key:
    return taxonomy_partition(store_id, taxonomy_id, field_key), f"{encoded}#{profile_id}"


def location(store_id: str, location_id: str) -> Key:
    return f"STORE#{store_id}", f"{LOCATION_PREFIX}{location_id}"


LOCATION_PREFIX = "LOCATION#"


def location_key(store_id: str, key: str) -> Key:
    return f"STORE#{store_id}", f"LOCATIONKEY#{key}"


def clienteling_prefix(location_id: str) -> str:
    """The sort-key prefix of one location's opt-ins in the store partition, in profile id order."""
    return f"CLIENTELING#{location_id}#"


def clienteling(store_id: str, location_id: str, profile_id: str) -> Key:
    return f"STORE#{store_id}", f"{clienteling_prefix(location_id)}{profile_id}"


def clienteling_of_profile(store_id: str, profile_id: str) -> Key:
    return f"STORE#{store_id}", f"CLIENTELINGPROFILE#{profile_id}"


def clienteling_count(store_id: str, location_id: str) -> Key:
    return f"STORE#{store_id}", f"CLIENTELINGCOUNT#{location_id}"
def contact_partition(store_id: str, term: str) -> str:
    return f"STORE#{store_id}#CONTACT#{term[:2]}"


def contact_term(store_id: str, kind: str, term: str, profile_id: str) -> Key:
    return contact_partition(store_id, term), f"{kind}:{term}#{profile_id}"


def profiles_created_by(store_id: str, created_by: str) -> str:
    return f"STORE#{store_id}#CREATEDBY#{created_by}"


def profile_created_by(store_id: str, created_by: str, created_at: int, profile_id: str) -> Key:
    return profiles_created_by(store_id, created_by), f"{created_at:010d}#{profile_id}"


def extended_attribute_partition(store_id: str, name: str) -> str:
    return f"STORE#{store_id}#XATTR#{name}"


def extended_attribute_value(value: str) -> str:
    """The sort-key start of one value: its length first, so no value's range holds a longer value that
    starts with it and a "#"."""
    return f"{len(value):04d}:{value}#"


def extended_attribute(store_id: str, name: str, value: str, profile_id: str) -> Key:
    return extended_attribute_partition(store_id, name), f"{extended_attribute_value(value)}{profile_id}"


# The store's profile count is split over this many items, summed on read: every profile's create and erase
# changes one of them inside its own transaction, and transactions on one item at the same moment conflict.
PROFILE_COUNT_SHARDS = 10


def profile_count(store_id: str, shard: int) -> Key:
    return f"STORE#{store_id}", f"PROFILECOUNT#{shard}"


def profile_count_shard(profile_id: str) -> int:
    return zlib.crc32(profile_id.encode()) % PROFILE_COUNT_SHARDS


def profile_display_id(store_id: str, display_id: str) -> Key:
    return f"STORE#{store_id}", f"DISPLAYID#{display_id}"


PROFILE_DELETIONS_DUE = "DUE#PROFILEDELETION"


def profile_deletion(profile_id: str) -> Key:
    return f"PROFILEDELETION#{profile_id}", "PROFILEDELETION"


# The list orders whose position a deep offset page finds on small entries of their own (same sort key as the
# order's index) instead of on the index of whole profiles; updated_at changes on every write and has none.
PROFILE_ORDER_ENTRIES = ("created_at", "email")


def profile_order_partition(store_id: str, field: str) -> str:
    return f"STORE#{store_id}#ORDER#{field}"


def profile_list_start(store_id: str, field: str, entry_sk: str) -> dict[str, str]:
    """The index position (ExclusiveStartKey) of the profile an order entry stands for."""
    index = PROFILE_LIST_INDEXES[field][0]
    profile_id = entry_sk.rsplit("#", 1)[1]
    pk, sk = profile(profile_id)
    return {"PK": pk, "SK": sk, f"{index}PK": profiles_of(store_id, ALL), f"{index}SK": entry_sk}
