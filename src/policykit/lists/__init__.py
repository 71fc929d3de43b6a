"""The lists: the typed, read-only model of one jurisdiction, read safely with positions kept.

Owns reading (``sources``: files opened only inside the tree; ``loader``: YAML with positions, limits
and Chinese messages), validation (``schemas`` and its quick verdict ``precheck``), the model
(``model``, ``laws``, ``records`` for the supervision records), the configuration (``config``), the
one door to git (``gitdoor``: revisions, history) and the ``repository`` that puts them together.

May import only the ground modules (``problems``, ``errors``, ``progress``, ``safe_regex``). Nothing
here knows about caching: ``repository.open_repository`` takes a document loader, and the speed wing's
cached one is passed in from above (``policykit.open_repository``, ``policykit check``).
"""
