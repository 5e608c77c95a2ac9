"""A teacher's own questions and cases: a content folder (YAML or GIFT), checked, served, exported."""
