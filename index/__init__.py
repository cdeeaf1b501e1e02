"""Embeddings, lexical vectors, the Qdrant stores and the search pipelines.

Haystack reads its telemetry switch and huggingface_hub its offline switch when first imported, so both
are set here, before any module of this package can import them; an explicit environment value wins.
"""

import os

os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
