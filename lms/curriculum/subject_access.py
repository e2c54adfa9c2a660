"""What the curriculum holds about a person: her enrolments and progress (`subject_access`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.curriculum.models import (
    ContentNoteAcknowledgement,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
)
from lms.privacy.records import Files, columns, table


def learning_information(session: Session, user: User) -> Files:
    enrolments = session.execute(
        select(Enrolment, Course.title)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.id)
    ).all()
    progress = session.execute(
        select(LessonProgress, Lesson.title)
        .join(Enrolment, Enrolment.id == LessonProgress.enrolment_id)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(Enrolment.user_id == user.id)
        .order_by(LessonProgress.id)
    ).all()
    notes = session.execute(
        select(ContentNoteAcknowledgement, Lesson.title)
        .join(Lesson, Lesson.id == ContentNoteAcknowledgement.lesson_id)
        .where(ContentNoteAcknowledgement.user_id == user.id)
        .order_by(ContentNoteAcknowledgement.id)
    ).all()
    return [
        *table("learning/enrolments", [{**columns(e), "course": title} for e, title in enrolments]),
        *table("learning/lessons", [{**columns(p), "lesson": title} for p, title in progress]),
        *table(
            "learning/content-notes-read", [{**columns(n), "lesson": title} for n, title in notes]
        ),
    ]
