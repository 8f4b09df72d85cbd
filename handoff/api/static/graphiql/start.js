// Opens GraphiQL only once a token is known, so its first schema fetch is authorised.
// The token comes from the link `make dev` prints (#token=..., a fragment never sent to
// the server) or from the form, and is kept in sessionStorage for this tab only.
(function () {
  "use strict";
  var KEY = "handoff.graphiql.token";
  var fromLink = new URLSearchParams(window.location.hash.slice(1)).get("token");
  if (fromLink) {
    sessionStorage.setItem(KEY, fromLink);
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }

  function open(token) {
    document.getElementById("signin").hidden = true;
    document.getElementById("graphiql").hidden = false;
    document.getElementById("signout").hidden = false;
    var fetcher = function (params) {
      return fetch("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer " + token },
        body: JSON.stringify(params),
      }).then(function (r) { return r.json(); });
    };
    var root = ReactDOM.createRoot(document.getElementById("graphiql"));
    root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true }));
  }

  document.getElementById("signout").addEventListener("click", function () {
    sessionStorage.removeItem(KEY);
    window.location.reload();
  });
  var form = document.getElementById("signin");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var token = form.token.value.trim();
    if (token) {
      sessionStorage.setItem(KEY, token);
      open(token);
    }
  });
  var known = sessionStorage.getItem(KEY);
  if (known) {
    open(known);
  } else {
    form.hidden = false;
    form.token.focus();
  }
})();
