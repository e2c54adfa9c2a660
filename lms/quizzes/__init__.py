"""Quizzes: knowledge checks defined in `assessments/`, drawn per attempt and graded on the
server. The pure parts (format, grading, drawing, review, item analysis) know nothing of
Flask or the database."""
