"""The speed wing: making checks fast without the layers below knowing how.

Owns the parse cache (``cache``: authenticated packs outside the repository, parallel loading, the
fast block-style reader ``fastyaml``), the whole-result memo (``memo``) and the incremental rule
evaluation (``incremental``). Each gives the same documents, facts and problems as the plain path;
the tests compare them.

May import ``lists`` and the ground. It is reached through narrow doors: the document loader
``cache.load_documents`` (the signature of ``lists.repository.load_documents``), and from
``checking`` the memo and the incremental evaluator.
"""
