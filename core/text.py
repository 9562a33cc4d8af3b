"""Characters nobody means to type, refused where people type and removed where we publish.

C0 control characters (U+0000–U+001F: escape codes, vertical tab, form feed…), the
noncharacters U+FFFE and U+FFFF, and the bidirectional overrides and isolates
(U+202A–U+202E, U+2066–U+2069, which can make text read differently from how it is
stored). Multi-line fields may hold tab, line feed and carriage return; single-line ones
may not hold even those (a newline in a name is how a stranger's paragraph gets into an
email). XML cannot carry most of these at all: one of them in an approved title broke the
Atom feed for everyone.

`SingleLineValidator` and `MultiLineValidator` go on model fields, so the public form,
admin and every `full_clean()` refuse the same characters; `printable()` removes them
from text written before the validators existed (the feed).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

_INVISIBLE = "\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\u202a-\u202e\u2066-\u2069"
_LINE_BREAKS = "\t\n\r"
MULTI_LINE_UNSAFE = re.compile(f"[{_INVISIBLE}]")
SINGLE_LINE_UNSAFE = re.compile(f"[{_INVISIBLE}{_LINE_BREAKS}]")
LINE_BREAK = re.compile("[\n\r\u2028\u2029]")

CONTROL_MESSAGE = (
    "Remove the invisible control characters (such as escape codes or text direction "
    "marks) from this field"
)
NEWLINE_MESSAGE = "Keep this field on one line"


def printable(text: str, *, multiline: bool = True) -> str:
    """`text` without the characters this module refuses (line breaks kept if `multiline`)."""
    return (MULTI_LINE_UNSAFE if multiline else SINGLE_LINE_UNSAFE).sub("", text or "")


@deconstructible
class MultiLineValidator:
    """Refuses the invisible characters; tab, line feed and carriage return are allowed."""

    code = "control_characters"

    def __call__(self, value):
        if MULTI_LINE_UNSAFE.search(str(value)):
            raise ValidationError(CONTROL_MESSAGE, code=self.code)

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))


@deconstructible
class SingleLineValidator(MultiLineValidator):
    """Refuses the invisible characters and line breaks (with its own message) and tabs."""

    def __call__(self, value):
        value = str(value)
        if LINE_BREAK.search(value):
            raise ValidationError(NEWLINE_MESSAGE, code="newline")
        if SINGLE_LINE_UNSAFE.search(value):
            raise ValidationError(CONTROL_MESSAGE, code=self.code)


single_line = SingleLineValidator()
multi_line = MultiLineValidator()
