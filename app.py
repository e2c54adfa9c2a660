"""WSGI entry point: `flask --app app run`, or `app:app` for a WSGI server."""

from lms import create_app

app = create_app()
