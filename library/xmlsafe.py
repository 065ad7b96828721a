"""Text made safe for XML 1.0: the characters it cannot carry are dropped."""

import re

# XML 1.0 allows tab, newline, carriage return and everything from U+0020 except surrogates
# and U+FFFE/U+FFFF; anything else makes lxml refuse the whole document.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value) -> str:
    """The value as a string holding only characters XML 1.0 allows."""
    return _NOT_XML.sub("", str(value if value is not None else ""))
