"""The one key the rig's local Jina-compatible server accepts: :data:`FAKE_JINA_KEY`.

The pytest plugin's ``jina_fake`` and :func:`~weaviate_jina_ext.testing.local_stack` start
their :class:`~weaviate_jina_ext.testing.FakeJina` with it, and tests send it. It lives in a
module that imports nothing, so the plugin can read it at load time without pulling in
the server.
"""

from __future__ import annotations

from typing import Final

__all__ = ["FAKE_JINA_KEY"]

#: The key the rig's local Jina-compatible server accepts (not a real key). Shaped like a
#: real one (``jina_`` and a long token), so it is masked wherever the package shows text.
FAKE_JINA_KEY: Final = "jina_weaviate_jina_ext_fake_key_0001"
