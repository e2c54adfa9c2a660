"""Mentoring practice: placements, supervision, the reflective journal, evaluation and impact."""
