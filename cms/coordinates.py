"""The one parser of a typed or posted map coordinate (Her City, proposals, calls)."""

from decimal import Decimal, InvalidOperation

LATITUDE = (-90, 90)
LONGITUDE = (-180, 180)


def parse_coordinate(value, bounds: tuple[int, int]) -> Decimal | None:
    """None for nothing given; a Decimal to 6 places (about 0.1 m) within `bounds`; ValueError otherwise."""
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
        if not number.is_finite():  # "nan" would make the comparison below raise
            raise ValueError(value)
        number = number.quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise ValueError(value) from None
    if not bounds[0] <= number <= bounds[1]:
        raise ValueError(value)
    return number
