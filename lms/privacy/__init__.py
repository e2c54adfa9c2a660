"""A person's own information: her download of everything held about her (subject access),
who has looked at her work, the quick exit and help with keeping her visits private."""
