"""Mentoring practice: placements, supervision, reflection, evaluation and impact."""
