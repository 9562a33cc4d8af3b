from django import template

from core import timewords

register = template.Library()

register.filter("clock_words", timewords.clock_words)
register.filter("date_words", timewords.date_words)
register.filter("when_words", timewords.when_words)
register.filter("duration_words", timewords.duration_words)
register.filter("length_words", timewords.length_words)
