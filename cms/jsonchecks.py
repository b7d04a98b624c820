"""Checks on JSON that comes from outside before it is stored in a JSON column."""


def has_nul(value) -> bool:
    """True if any key or string in the parsed JSON holds NUL: PostgreSQL's jsonb cannot store \\u0000."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
