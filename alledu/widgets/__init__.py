"""Widget classes for the lessons. They only call the domain (alledu.*); no clinical facts here."""
