"""The versioned JSON API for partners' own systems, and the personal access tokens it uses."""
