"""The read models' JSON: details and attributes as text, dates as ISO text.

`dumps` gives exactly what `json.dumps(value, default=isoformat, separators=(",", ":"))`
gives, faster for the small dicts of text that most details are; `loads` gives
the dict back with its date details as dates.
"""

from __future__ import annotations

import datetime
import json

from journey.domain.milestones import DATE_DETAILS


def _default(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in the read models")


def dumps(value: dict) -> str:
    if not value:
        return "{}"
    # Text keys and values (most details): joined by hand with the very function the
    # encoder uses for strings (ensure_ascii), so the text is what json.dumps gives.
    try:
        if len(value) == 1:  # the most common details: one value
            for k, v in value.items():
                return "{" + _string(k) + ":" + _string(v) + "}"
        return "{" + ",".join([_string(k) + ":" + _string(v) for k, v in value.items()]) + "}"
    except TypeError:  # a key or value that is not text: the general way below
        pass
    # The same few details recur across children ({"authority": "placement_order"}).
    try:
        # With the values' types: True and 1 are equal keys but not equal JSON.
        key = (tuple(value.items()), tuple(map(type, value.values())))
        text = _encoded.get(key)
    except TypeError:  # an unhashable value: encode it every time
        key = text = None
    if text is None:
        text = _ENCODER.encode(value)
        if key is not None and len(_encoded) < 10_000:
            _encoded[key] = text
    return text


_encoded: dict[tuple, str] = {}
# As json.dumps(value, default=_default, separators=(",", ":")), made once rather than per call.
_ENCODER = json.JSONEncoder(default=_default, separators=(",", ":"))
_string = json.encoder.encode_basestring_ascii


_DATES = DATE_DETAILS | {"date_of_birth"}


def loads(text: str) -> dict:
    """Details or attributes back as the events had them (date details as dates)."""
    if text == "{}":
        return {}
    value = json.loads(text)
    for key in _DATES:
        if isinstance(value.get(key), str):
            value[key] = datetime.date.fromisoformat(value[key])
    return value
