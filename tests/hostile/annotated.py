#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What the hostile runs accept as an annotated config (precreate's stdout): shared by hostile.py
and sweep.py."""
import json


def annotated_from(config, out):
    """Whether out is config with only its annotations changed: the same JSON document once every
    key Go would match to "annotations" is dropped from both. Bytes that are not UTF-8 pass through
    memgate unchanged, so both are decoded with surrogateescape to compare them as they are; yajl
    (memgate's parser) also takes \v and \f for white space, which Python's json does not: a raw one
    in a text yajl accepted can only be white space (inside a string it is an error), so it is read
    as a space."""
    def doc(b):
        try:
            d = json.loads(b.replace(b"\x0b", b" ").replace(b"\x0c", b" ").decode("utf-8", "surrogateescape"))
        except ValueError:
            return None
        if not isinstance(d, dict):
            return None
        return {k: v for k, v in d.items()
                if k.lower().replace("\u017f", "s").replace("\u212a", "k") != "annotations"}
    a, b = doc(config), doc(out)
    return a is not None and a == b
