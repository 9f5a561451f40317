"""Connect with a Jina key: the helpers add the X-Jinaai-Api-Key header for you.

The key comes from ``jina_api_key=``, else ``JINAAI_APIKEY`` (then ``JINAAI_API_KEY``,
``JINA_API_KEY``). ``verify_modules=True`` checks that the server has text2vec-jinaai.
"""

from __future__ import annotations

from typing import Any

import weaviate_jina_ext as wje
from weaviate_jina_ext.testing import ConnectKwargs, local_stack


def main(connect_kwargs: ConnectKwargs, jina_api_key: str) -> dict[str, Any]:
    """Connect, check the Jina modules, and return the server's version and modules."""
    with wje.connect_to_custom(
        **connect_kwargs,
        jina_api_key=jina_api_key,
        requests_per_minute=500,  # the server paces its Jina calls to this
        verify_modules=True,
    ) as client:
        meta = client.get_meta()
        jina = sorted(m for m in meta["modules"] if m.endswith("-jinaai"))
        print(f"connected to Weaviate {meta['version']}; Jina modules: {', '.join(jina)}")
        return {"version": meta["version"], "jina_modules": jina}


if __name__ == "__main__":
    with local_stack() as stack:
        main(stack.weaviate.connect_kwargs(), stack.jina_api_key)
