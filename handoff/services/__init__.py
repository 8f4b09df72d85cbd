"""Domain operations: validate, compute with the engine, store, record events.

Each function takes a connection inside the caller's transaction, the workspace id and
`now`; resolvers and jobs stay thin and call these.
"""
