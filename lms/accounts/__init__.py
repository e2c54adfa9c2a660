"""Accounts and organisations: people, sign-in, sessions, organisations and their members."""
