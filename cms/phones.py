"""Phone numbers as people type them ("012 345 678") to one stored form ("+85512345678")."""

import phonenumbers
from django.conf import settings


def normalize_phone(raw: str) -> str | None:
    """The E.164 form of a phone number, or None when it is not a valid number."""
    try:
        number = phonenumbers.parse(raw, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
