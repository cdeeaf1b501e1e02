"""cyberlex: cited-passage search over cyber-law texts.

The top-level folders of the repository are its subpackages: ``cyberlex.corpus`` (the shared model, the
catalogue and the shipped texts), ``cyberlex.ingest``, ``cyberlex.index``, ``cyberlex.api`` and ``cyberlex.evals``.
"""
