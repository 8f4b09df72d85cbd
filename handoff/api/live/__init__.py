"""Live updates over the API: WebSocket (graphql-transport-ws) and SSE connections, their
limits, and the process's hub (`handoff.live`) they read from."""
