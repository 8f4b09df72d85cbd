"""The web app: static files served at `/`, built only on the public GraphQL API.

Plain ES modules, no build step and no library: nothing to install on a user's machine,
nothing fetched from the network at run time (see the README for why this stack).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

# The app talks only to its own origin; styles and scripts are files of the package.
# ('self' in connect-src covers the page's own ws:/wss: origin: CSP Level 3, which every
# browser the app supports follows; 'ws: wss:' would allow sockets to any host.)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


@cache
def index_html() -> str:
    """The app's single page."""
    return resources.files("handoff.web").joinpath("static/index.html").read_text()
