"""Accreditation: what a trainee has achieved, the awards it adds up to, and the certificates
and Open Badges 3.0 credentials that let anyone check them.

The pure parts (verification codes, signing keys, JOSE, status lists, the credential data
model, certificate PDFs) know nothing of the database or Flask and are tested on their own.
"""
