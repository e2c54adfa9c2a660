"""What each scenario asks of the server: per client, an endless (or, for work that can be done
only once, a shared and finite) supply of requests. Each client holds its own signed-in
session cookie for the scenario's role."""

from __future__ import annotations

import functools
import io
import itertools
import os
import queue
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.build import PASSWORD, World


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict = field(default_factory=dict)
    body: bytes | None = None
    expect: tuple[int, ...] = (200,)


@dataclass(frozen=True)
class Scenario:
    name: str
    # calls(client number) -> the client's requests; it stops when they run out
    calls: Callable[[int], Iterator[Call]]
    # Called before each run (the warm-up too), for work that can be done only once.
    start_run: Callable[[], None] | None = None


def scenarios(world: World, cookie: Callable[[str], str], runs: int = 3) -> list[Scenario]:
    """`cookie(token)`: the Cookie header of a browser signed in with that session; `runs`:
    how many times each scenario is run (the warm-up included)."""

    def pages(sessions: list[str], path: str) -> Callable[[int], Iterator[Call]]:
        def calls(client: int) -> Iterator[Call]:
            headers = {"Cookie": cookie(sessions[client % len(sessions)])}
            return itertools.repeat(Call("GET", path, headers))

        return calls

    def trainee_pages(path_of: Callable[[dict], str]) -> Callable[[int], Iterator[Call]]:
        def calls(client: int) -> Iterator[Call]:
            trainee = world.trainees[client % len(world.trainees)]
            headers = {"Cookie": cookie(trainee["session"])}
            return itertools.repeat(Call("GET", path_of(trainee), headers))

        return calls

    partner = world.partners[0]
    cohorts = world.cohorts
    size = world.size
    progress = f"/organisations/{partner}/cohorts/{{}}/progress"
    export_cohort = cohorts[f"{world.export_partner}/Everyone"]
    quiz = Shares(world.quiz_attempts, runs)
    return [
        Scenario("sign-in", lambda client: _sign_ins(world, client)),
        Scenario("trainee home", trainee_pages(lambda t: "/")),
        Scenario("lesson", trainee_pages(lambda t: f"/learning/{t['enrolment']}{world.lesson}")),
        Scenario(
            "quiz answer and hand-in",
            lambda client: _quiz_calls(quiz, cookie),
            start_run=quiz.next_run,
        ),
        Scenario("portfolio", trainee_pages(lambda t: f"/portfolio/{t['enrolment']}")),
        Scenario(
            f"upload ({UPLOAD_BYTES / 1024 / 1024:.3g} MB photo)",
            lambda client: _uploads(world, cookie, client),
        ),
        Scenario("assessor queue", pages(world.assessor_sessions, "/assessment/queue")),
        Scenario(
            "judge (the page)",
            pages(world.assessor_sessions, f"/assessment/submissions/{world.submission}"),
        ),
        Scenario(
            f"cohort progress ({size.small_cohort})",
            pages(world.coordinator_sessions, progress.format(cohorts[f"{partner}/Small group"])),
        ),
        Scenario(
            f"cohort progress ({size.large_cohort})",
            pages(world.coordinator_sessions, progress.format(cohorts[f"{partner}/Large group"])),
        ),
        Scenario(
            "partner overview", pages(world.admin_sessions, f"/organisations/{partner}/training")
        ),
        Scenario(
            f"franchise overview ({len(world.partners) + 1} partners)",
            pages(world.admin_sessions, "/admin/franchise"),
        ),
        Scenario("API list of trainees", lambda client: _api_calls(world)),
        Scenario(
            f"CSV export ({size.export_trainees} trainees)",
            pages(
                world.export_sessions,
                f"/organisations/{world.export_partner}/cohorts/{export_cohort}/progress.csv",
            ),
        ),
    ]


def _shared(items: list) -> queue.SimpleQueue:
    shared = queue.SimpleQueue()
    for item in items:
        shared.put(item)
    return shared


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _sign_ins(world: World, client: int) -> Iterator[Call]:
    emails = world.sign_in_emails
    body = urlencode({"email": emails[client % len(emails)], "password": PASSWORD}).encode()
    return itertools.repeat(Call("POST", "/login", FORM, body, (302, 303)))


class Shares:
    """Work that can be done only once, cut into equal shares, one for each run: however fast
    the server, a run cannot use up what a later run needs."""

    def __init__(self, items: list, runs: int):
        size = max(1, len(items) // max(1, runs))
        self._shares = [items[start : start + size] for start in range(0, len(items), size)]
        self.current = _shared([])

    def next_run(self) -> None:
        self.current = _shared(self._shares.pop(0) if self._shares else [])


def _quiz_calls(shares: Shares, cookie) -> Iterator[Call]:
    """Each attempt once: the first question answered, then the attempt handed in. Stops
    when the run's share of the open attempts is used up."""
    pool = shares.current
    while True:
        try:
            item = pool.get_nowait()
        except queue.Empty:
            return
        headers = {**FORM, "Cookie": cookie(item["session"])}
        base = f"/quizzes/attempts/{item['attempt']}"
        answer = urlencode({**item["answer"], "then": "stay"}).encode()
        yield Call("POST", f"{base}/questions/{item['question']}", headers, answer, (303,))
        yield Call("POST", f"{base}/submit", headers, b"", (303,))


def _api_calls(world: World) -> Iterator[Call]:
    headers = {"Authorization": f"Bearer {world.api_token}"}
    return itertools.repeat(Call("GET", "/api/v1/trainees", headers))


UPLOAD_BYTES = int(os.environ.get("BENCH_UPLOAD_BYTES") or 5 * 1024 * 1024)


def _uploads(world: World, cookie, client: int) -> Iterator[Call]:
    photo = photo_of(UPLOAD_BYTES)  # made before the clock starts
    return _upload_calls(world, cookie, client, photo)


def _upload_calls(world: World, cookie, client: int, photo: bytes) -> Iterator[Call]:
    """A phone photo (JPEG, 5 MB unless BENCH_UPLOAD_BYTES says otherwise) added to an
    evidence record, again and again; each copy differs by a comment, so no two are the same
    file."""
    uploader = world.uploaders[client % len(world.uploaders)]
    path = f"/portfolio/{uploader['enrolment']}/evidence/{uploader['evidence']}/files"
    boundary = "bench-boundary-7f3a9c"
    headers = {
        "Cookie": cookie(uploader["session"]),
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    for n in itertools.count():
        comment = f"bench {client} {n}".encode()
        varied = photo[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
        body = b"".join(
            [
                f"--{boundary}\r\n".encode(),
                b'Content-Disposition: form-data; name="file"; filename="notebook.jpg"\r\n',
                b"Content-Type: image/jpeg\r\n\r\n",
                varied,
                photo[2:],
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        yield Call("POST", path, headers, body, (302, 303))


@functools.cache
def photo_of(target: int) -> bytes:
    """A JPEG of about `target` bytes: a smooth picture with grain, as a phone photo has."""
    from PIL import Image, ImageFilter

    rng = random.Random(7)  # noqa: S311 - pixels, not secrets
    side = 1200
    while True:
        noise = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
        picture = noise.filter(ImageFilter.GaussianBlur(1))
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=92)
        if out.tell() >= target * 0.9 or side > 6000:
            return out.getvalue()
        side = int(side * (target / out.tell()) ** 0.5 * 1.05)
