"""Practice: mentoring placements, supervision and the reflective journal."""
