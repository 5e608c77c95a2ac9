"""Widget classes for the lessons. They only call the domain (alledu.*); no clinical facts here.

Kernel start-up: plotly's FigureWidget imports nbformat, which imports jsonschema, whose
optional IRI format checker (the rfc3987_syntax package) compiles a grammar on import: about
2 s of every lesson kernel's start on a 2-core machine (docs/performance.md). Lesson kernels
never validate IRIs, so that one optional import is declined before anything loads it;
jsonschema handles the ImportError itself and simply does not register the 'iri' format.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
