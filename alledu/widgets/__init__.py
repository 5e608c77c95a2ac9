"""Widget classes for the lessons. They only call the domain (alledu.*); no clinical facts here."""

from alledu.widgets import states

states.install()  # every lesson kernel imports this package before a page asks for its widgets
