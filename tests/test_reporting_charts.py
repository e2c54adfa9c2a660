"""Server-drawn SVG charts: correct figures, accessible, safe, readable colours."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask import render_template_string

from lms.reporting import charts
from lms.reporting.charts import (
    achievements_chart,
    bar_chart,
    line_chart,
    nice_ticks,
    progress_bands,
    progress_distribution_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))  # noqa: S314 - our own output, not untrusted input


def test_progress_bands_count_each_trainee_once():
    bands = progress_bands([0, 19.9, 20, 55, 99.9, 100, 150, -5])
    assert bands == [
        ("0\u201319%", 3),
        ("20\u201339%", 1),
        ("40\u201359%", 1),
        ("60\u201379%", 0),
        ("80\u201399%", 1),
        ("100%", 2),
    ]


def test_achievements_are_drawn_as_a_running_total():
    chart = achievements_chart("done", [("Jan 2027", 2), ("Feb 2027", 0), ("Mar 2027", 3)])
    assert chart.rows == (("Jan 2027", 2), ("Feb 2027", 2), ("Mar 2027", 5))
    assert len(parse(chart).findall(f"{SVG}circle")) == 3
    assert parse(chart).find(f"{SVG}polyline") is not None


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (4, [0, 1, 2, 3, 4]),
        (7, [0, 2, 4, 6, 8]),
        (23, [0, 5, 10, 15, 20, 25]),
        (100, [0, 20, 40, 60, 80, 100]),
        (0.4, [0, 0.1, 0.2, 0.3, 0.4]),
    ],
)
def test_axis_ticks_are_round_numbers_covering_the_data(top, expected):
    assert nice_ticks(top) == expected


def test_a_chart_is_an_image_with_a_title_and_a_description_of_its_figures():
    chart = progress_distribution_chart("cohort-7 progress", [10, 30, 30, 100])
    root = parse(chart)
    assert root.get("role") == "img"
    assert chart.id == "cohort-7-progress"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}title").text == "How far trainees have got"
    description = root.find(f"{SVG}desc")
    assert description.get("id") == desc_id
    assert "0\u201319%: 1; 20\u201339%: 2; 40\u201359%: 0" in description.text
    assert "100%: 1." in description.text
    # one bar per band with trainees in it
    assert len(root.findall(f"{SVG}rect")) == 3


def test_bars_are_as_tall_as_their_values():
    root = parse(bar_chart("b", "T", "D", [("a", 1), ("b", 4)], x_label="x", y_label="y"))
    short, tall = (float(rect.get("height")) for rect in root.findall(f"{SVG}rect"))
    assert tall == pytest.approx(short * 4)


def test_labels_are_escaped_and_the_svg_has_no_script_or_inline_style():
    chart = bar_chart(
        "x", "<script>alert(1)</script>", "A & B", [("<b>", 1)], x_label="\"'", y_label="y"
    )
    text = str(chart.svg)
    assert "<script" not in text
    assert "style=" not in text
    root = parse(chart)  # still well-formed
    assert root.find(f"{SVG}title").text == "<script>alert(1)</script>"


def test_an_empty_chart_says_so():
    chart = line_chart("e", "Nothing", "Nothing here.", [], x_label="x", y_label="y")
    assert chart.is_empty
    assert "Nothing to show yet" in str(chart.svg)
    assert chart.description == "Nothing here. There is nothing to show yet."


def _luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    lighter, darker = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_colours_have_enough_contrast_against_white():
    assert contrast(charts.INK, "#ffffff") >= 7
    assert contrast(charts.MUTED, "#ffffff") >= 4.5
    assert contrast(charts.MARK, "#ffffff") >= 4.5


def test_the_template_shows_the_figures_as_a_table_beside_the_chart(app):
    chart = progress_distribution_chart("p", [5, 100])
    with app.test_request_context():
        html = render_template_string(
            '{% from "reporting/chart.html" import chart %}{{ chart(c) }}', c=chart
        )
    assert "<svg" in html
    assert '<th scope="col">Lessons completed</th>' in html
    assert '<tr><th scope="row">100%</th><td>1</td></tr>' in html
    assert "&lt;" not in html.split("<details")[0], "the SVG is not escaped twice"
