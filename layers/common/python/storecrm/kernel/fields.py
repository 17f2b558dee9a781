"""Annotated field types that carry the domain's rules into every pydantic model that uses them."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, Strict, ValidationError

from storecrm.kernel import rules
from storecrm.kernel.base_model import Model
from storecrm.kernel.errors import ValidationFailed

# JSON numbers of the right kind only. Pydantic would read `true` as 1 and "5" or 5.0 as 5; amounts, counts,
# coordinates and timestamps in request bodies refuse them (a 400 naming the field). Query parameters arrive
# as text and keep pydantic's conversion.
WholeNumber = Annotated[int, Strict()]
Number = Annotated[float, Strict()]  # an integer is a number too

Email = Annotated[str, Field(max_length=254), AfterValidator(rules.normalize_email)]
Slug = Annotated[str, Field(max_length=64), AfterValidator(rules.check_slug)]
MarketKey = Annotated[str, Field(max_length=64), AfterValidator(lambda v: rules.check_slug(v, min_length=2))]
Timezone = Annotated[str, Field(max_length=64), AfterValidator(rules.check_timezone)]
Currency = Annotated[str, Field(max_length=3), AfterValidator(rules.check_currency)]
LanguageTag = Annotated[str, Field(max_length=35), AfterValidator(rules.check_language)]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$"), AfterValidator(rules.check_country)]
ReturnUrl = Annotated[str, Field(max_length=2000), AfterValidator(rules.check_absolute_url)]
HttpsReturnUrl = Annotated[str, Field(max_length=2000), AfterValidator(rules.check_https_url)]
SortDirection = Literal["asc", "desc"]


class Command(Model):
    """Input to a domain call. Unknown fields are ignored: clients may send more than we use."""

    model_config = {"extra": "ignore", "str_strip_whitespace": True}

    # The name of every command: pydantic names the model its error is about, and what a command refuses is
    # the client's mistake, a 400, even where a handler built the command itself from path or query values.
    names: ClassVar[set[str]] = set()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        Command.names.add(cls.__name__)


def refused_command(error: ValidationError) -> ValidationFailed | None:
    """A pydantic error about a command, as the 400 it is; None when it is about anything else (our fault)."""
    return ValidationFailed.from_pydantic(error.errors()) if error.title in Command.names else None
