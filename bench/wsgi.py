"""The application as `make bench` serves it: the production app, with what a benchmark needs
and nothing else changed. Forms take no CSRF token (each client sends its form without first
fetching the page), sign-in is not rate-limited (the clients share one address), the quota
never runs out (the same trainees upload again and again), mail is kept in memory, and each
answer says how many SQL statements it sent (`X-Statement-Count`, see lms/web.py).

Never serve this module to people: `app:app` is the application."""

from lms import create_app

app = create_app(
    {
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "COUNT_STATEMENTS": True,
        "MAIL_BACKEND": "locmem",
        "EVIDENCE_QUOTA_BYTES": 10**15,
    }
)
