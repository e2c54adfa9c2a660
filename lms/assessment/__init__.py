"""Assessment: assessors' decisions and sign-off, internal quality assurance, EQA access."""
