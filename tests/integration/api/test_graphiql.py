"""GraphiQL works offline: the page and every script and stylesheet it loads come from
the package, and its script fetches nothing before a token is known."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib import resources

import pytest

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class Assets(HTMLParser):
    """Every URL the page loads by itself: scripts, stylesheets, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for attr in ("src", "href"):
            url = found.get(attr)
            if url and not (tag == "a" and attr == "href"):
                self.urls.append((tag, url))


def start_js() -> str:
    return resources.files("handoff.api").joinpath("static/graphiql/start.js").read_text()


def function_body(source: str, header: str) -> str:
    """The text between the braces of the function that starts with `header`."""
    start = source.index(header)
    depth = 0
    for i in range(source.index("{", start), len(source)):
        depth += {"{": 1, "}": -1}.get(source[i], 0)
        if depth == 0:
            return source[start : i + 1]
    raise AssertionError(f"unbalanced braces after {header!r}")


async def test_a_browser_gets_our_page_without_a_token(http) -> None:
    response = await http.get("/graphql", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "handoff · GraphiQL" in response.text
    assert 'id="signin"' in response.text and 'id="token"' in response.text


async def test_every_asset_is_a_local_static_file_the_app_serves(http) -> None:
    page = (await http.get("/graphql", headers=BROWSER)).text
    parser = Assets()
    parser.feed(page)
    urls = [url for _, url in parser.urls]
    scripts = [url for tag, url in parser.urls if tag == "script"]
    styles = [url for tag, url in parser.urls if tag == "link"]
    assert len(scripts) >= 4 and styles, parser.urls
    assert not re.search(r"https?://|//[a-z]", page.split("<body>")[0] + " ".join(urls))
    for url in urls:
        assert url.startswith("/static/"), url
        asset = await http.get(url)
        assert asset.status_code == 200, url
        kind = asset.headers["content-type"]
        if url.endswith(".js"):
            assert "javascript" in kind, (url, kind)
        elif url.endswith(".css"):
            assert kind.startswith("text/css"), (url, kind)
        assert len(asset.content) > 100, url
    # the scripts GraphiQL needs are among them, in an order that works
    names = [url.rsplit("/", 1)[-1] for url in scripts]
    assert names.index("react.production.min.js") < names.index("graphiql.min.js")
    assert names[-1] == "start.js"


@pytest.mark.parametrize("path", ["/static/graphiql/nope.js", "/static/../app.py"])
async def test_nothing_else_is_served_from_static(http, path: str) -> None:
    assert (await http.get(path)).status_code == 404


async def test_the_page_fetches_the_schema_only_once_a_token_is_known() -> None:
    source = start_js()
    opener = function_body(source, "function open(token)")
    # The only network call is GraphiQL's fetcher, built inside open(token) with the token.
    assert source.count("fetch(") == 1 and "fetch(" in opener
    assert 'authorization: "Bearer " + token' in opener
    assert "XMLHttpRequest" not in source and "import(" not in source
    # GraphiQL (which fetches the schema on mount) is rendered only inside open().
    assert source.count("React.createElement(GraphiQL") == 1
    assert "React.createElement(GraphiQL" in opener
    # open() runs only with a token: from the link's #token= / sessionStorage, or the form.
    outside = source.replace(opener, "")
    calls = re.findall(r"\bopen\((\w*)\)", outside)
    assert sorted(calls) == ["known", "token"], calls
    assert re.search(r"if \(known\) \{\s*open\(known\);", outside)
    assert re.search(r"if \(token\) \{[^}]*open\(token\);", outside)
    # The link's token stays in the fragment (never sent) and leaves the address bar.
    assert "window.location.hash" in source and "history.replaceState" in source
    assert "sessionStorage" in source and "localStorage" not in source
