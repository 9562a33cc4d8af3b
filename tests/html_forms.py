"""Read a rendered HTML form the way a browser would, to post it back "as rendered"."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.fields = []  # (name, value) in page order, as a browser submits them
        self.names = []  # every named control, submitted or not (unchecked boxes too)
        self._select = None
        self._select_values = []
        self._option = None
        self._textarea = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (self.form_id is None or attrs.get("id") == self.form_id):
            self.in_form = True
            return
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            self.names.append(name)
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            else:
                self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self.names.append(name)
            self._select = (name, "multiple" in attrs)
            self._select_values = []
            self._first_option = None
        elif tag == "option" and self._select is not None:
            value = attrs.get("value")
            self._option = value
            self._text = []
            if "selected" in attrs:
                self._select_values.append(value)
        elif tag == "textarea" and name:
            self.names.append(name)
            self._textarea = name
            self._text = []

    def handle_data(self, data):
        if self._textarea is not None or self._option is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form = False
        elif tag == "option" and self._select is not None:
            value = self._option if self._option is not None else "".join(self._text).strip()
            if self._first_option is None:
                self._first_option = value
            if None in self._select_values:
                self._select_values = [value if v is None else v for v in self._select_values]
            self._option = None
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            values = self._select_values
            if not values and not multiple and self._first_option is not None:
                values = [self._first_option]  # a browser submits the first option
            self.fields.extend((name, value) for value in values)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # The HTML parser drops the newline right after <textarea>, as browsers do.
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def read_form(html: str, form_id: str | None = None):
    """(fields, names): the (name, value) pairs a browser would submit, and every name."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.fields, reader.names


def as_post(fields) -> dict:
    """Pairs as the test client's `post()` data (repeated names become lists)."""
    data = {}
    for name, value in fields:
        if name in data:
            existing = data[name]
            data[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            data[name] = value
    return data
