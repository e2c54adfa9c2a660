"""Her list of notifications, her choice of e-mails on her account page, and the unread count
in the header: as she uses them, through HTTP."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.roles import Role
from lms.accounts.sessions import load_session_user, start_session
from lms.extensions import db
from lms.notifications import operations
from lms.notifications.models import Delivery, Notification
from tests.factories import PartnerFactory, member


def _someone_told(session, count: int = 2):
    user = member(PartnerFactory(), Role.ASSESSOR)
    for number in range(count):
        operations.notify(
            session,
            user,
            "submission.arrived",
            url=f"/assessment/submissions/{number + 1}",
            unit=f"MEN-10{number}",
        )
    session.commit()
    return user


def test_the_list_says_what_each_is_about_links_to_it_and_marks_the_unread(session, signed_in):
    user = _someone_told(session)
    client = signed_in(user)
    page = client.get("/notifications").text
    assert "A submission for MEN-100 is waiting in your assessment queue." in page
    assert 'href="/assessment/submissions/1"' in page
    assert page.count('class="tag">New</span>') == 2
    assert "2 unread" in page
    # The header counts what is unread, on every page.
    assert '<span class="count-badge">2<span class="visually-hidden"> unread</span>' in page
    assert "count-badge" in client.get("/account").text


def test_one_can_be_marked_read_and_then_all(session, signed_in):
    user = _someone_told(session)
    first, second = session.scalars(select(Notification).order_by(Notification.id)).all()
    client = signed_in(user)
    response = client.post(f"/notifications/{first.id}/read")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/notifications#notification-{first.id}")
    db.session.expire_all()
    assert db.session.get(Notification, first.id).read_at is not None
    assert db.session.get(Notification, second.id).read_at is None
    assert "1 unread" in client.get("/notifications").text

    client.post("/notifications/read")
    db.session.expire_all()
    assert db.session.get(Notification, second.id).read_at is not None
    page = client.get("/notifications").text
    assert "count-badge" not in page
    assert "Mark all as read" not in page


def test_nobody_marks_another_persons_notification(session, signed_in):
    user = _someone_told(session, count=1)
    [theirs] = session.scalars(select(Notification)).all()
    other = member(PartnerFactory(), Role.ASSESSOR)
    session.commit()
    assert signed_in(other).post(f"/notifications/{theirs.id}/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None
    assert user.id == theirs.user_id


def test_old_notifications_show_the_text_they_were_written_with(session, signed_in):
    user = member(PartnerFactory(), Role.TRAINEE)
    session.add(Notification(user_id=user.id, kind="submission.judged", message="Old words."))
    session.commit()
    assert "Old words." in signed_in(user).get("/notifications").text


def test_she_chooses_how_she_is_emailed_on_her_account_page(session, signed_in):
    user = member(PartnerFactory(), Role.TRAINEE)
    session.commit()
    client = signed_in(user)
    account = client.get("/account").text
    assert "E-mails from us" in account
    assert 'checked id="delivery-0"' in account
    response = client.post("/account/notifications", data={"delivery": "weekly"})
    assert response.status_code == 302
    db.session.expire_all()
    assert operations.delivery_for(db.session, user) == Delivery.WEEKLY
    assert 'checked id="delivery-2"' in client.get("/account").text
    assert 'checked id="delivery-2"' in client.get("/account/notifications").text

    refused = client.post("/account/notifications", data={"delivery": "hourly"})
    assert refused.status_code == 400
    assert "Not a valid choice" in refused.text or "Please choose one." in refused.text
    db.session.expire_all()
    assert operations.delivery_for(db.session, user) == Delivery.WEEKLY


def test_the_count_read_with_her_session_stands_until_a_notification_changes(
    session, count_queries
):
    """Every page's header shows her unread count read in the statement that finds her
    session; once the request writes or changes a notification, it is counted afresh."""
    user = _someone_told(session)
    token = start_session(session, user, remember=False, idle_minutes=30, remember_days=1)
    session.commit()
    figures = {operations.UNREAD: operations.unread_count_of}
    first = session.scalars(select(Notification).order_by(Notification.id)).first()

    with Session(db.engine) as request:
        found = load_session_user(request, token, idle_minutes=30, figures=figures)
        assert found.session_figures == {operations.UNREAD: 2}
        with count_queries() as counter:
            assert operations.unread_count(request, found) == 2
        assert counter.count == 0
        assert operations.mark_read(request, found, first.id)
        assert operations.unread_count(request, found) == 1
        request.commit()

    with Session(db.engine) as request:
        found = load_session_user(request, token, idle_minutes=30, figures=figures)
        assert operations.unread_count(request, found) == 1
        operations.notify(request, found, "submission.arrived", url="/", unit="MEN-109")
        assert operations.unread_count(request, found) == 2
        request.commit()

    # Found some other way than through a session, she has no figures: counted when asked.
    session.rollback()  # a fresh look, past the requests' commits
    assert user.session_figures == {}
    assert operations.unread_count(session, user) == 2
