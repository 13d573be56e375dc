"""The Looker Action API, vendor-free: protocol, row source, auth, actions, server."""
