"""JupyterHub's login for standalone Voila: the identity provider a learner server runs with.

Why a module of its own: only the Voila process imports it (deploy/jupyterhub/learner_server.py
puts this folder on its PYTHONPATH), so the launcher stays light. The classes are JupyterHub's
own (`jupyterhub-singleuser` uses them); only two gaps of standalone Voila 0.5 are filled here.
"""

from __future__ import annotations

from typing import Any

from jupyterhub.singleuser.extension import JupyterHubIdentityProvider
from jupyterhub.utils import url_path_join


class VoilaHubIdentityProvider(JupyterHubIdentityProvider):
    """JupyterHub's OAuth identity provider, fitted to standalone Voila.

    Voila mounts an identity provider's handlers (the OAuth callback, logout) at the server
    root instead of under its base URL, so the hub's redirect to /user/<name>/oauth_callback
    would find nothing; and it passes a `token` argument this provider has no use for.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("token", None)  # Voila's password token; the hub's OAuth replaces it
        super().__init__(**kwargs)

    def get_handlers(self) -> list[tuple[Any, ...]]:
        return [(url_path_join(self.hub_auth.base_url, path), *rest) for path, *rest in super().get_handlers()]
