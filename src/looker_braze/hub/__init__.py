"""The Looker Action API, vendor-free: protocol models, row source, auth, action registry, server."""
