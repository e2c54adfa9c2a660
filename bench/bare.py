"""The yardstick: a bare Flask app rendering a small template, served under the same gunicorn
settings as Alongside. Each scenario's CPU time a request is also given as a multiple of
this page's."""

from flask import Flask, render_template
from jinja2 import DictLoader

app = Flask(__name__)
app.jinja_loader = DictLoader(
    {
        "page.html": """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
<main>
<h1>{{ title }}</h1>
<ul>
{% for item in items %}<li><a href="/items/{{ item.id }}">{{ item.name }}</a></li>{% endfor %}
</ul>
</main>
</body>
</html>
"""
    }
)
ITEMS = [{"id": n, "name": f"Item {n}"} for n in range(10)]


@app.get("/")
def page():
    return render_template("page.html", title="A small page", items=ITEMS)


@app.get("/healthz")
def healthz():
    return "ok"
