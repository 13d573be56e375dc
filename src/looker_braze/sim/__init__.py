"""Local stand-ins for Braze and Looker: product features for development and CI."""
