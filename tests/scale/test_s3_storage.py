"""Evidence in an S3-compatible bucket (EVIDENCE_STORAGE=s3://bucket/prefix), against moto's
S3 in server mode on a loopback port: the same semantics as the folder (kept only when the row
commits, swept by `evidence check`), encrypted at rest as configured, uploaded in parts when
large, and downloaded only through the application, as an attachment under a neutral name."""

from __future__ import annotations

import io
import time

import boto3
import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.config import ConfigError
from lms.portfolio import operations
from lms.portfolio.housekeeping import check_store
from lms.portfolio.models import EvidenceFile
from lms.portfolio.s3storage import S3Storage, parse_location
from lms.portfolio.storage import KeptOnCommit, current_storage, receive, storage_for
from tests.factories import add_evidence, assessment_setting
from tests.scale.servers import s3_server

BUCKET = "evidence-test"
PREFIX = "site-a"
REGION = "eu-west-2"
NOTES = b"What I noticed in the first session.\n" * 2000
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="module")
def endpoint():
    with s3_server() as url:
        yield url


@pytest.fixture
def bucket(endpoint):
    client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)
    client.close()


@pytest.fixture
def config_overrides(endpoint, bucket):
    return {
        "EVIDENCE_STORAGE": f"s3://{BUCKET}/{PREFIX}",
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "S3_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
        "S3_SSE": "AES256",
    }


@pytest.fixture
def setting(app):
    return assessment_setting()


def keys_in(client) -> list[str]:
    answer = client.list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in answer.get("Contents", []))


def attach(session, evidence, data: bytes, name: str = "notes.txt"):
    return operations.attach_file(
        session,
        current_storage(),
        evidence,
        session.get(User, evidence.owner_id),
        io.BytesIO(data),
        name,
        max_bytes=20_000_000,
        quota_bytes=50_000_000,
    )


def test_the_setting_chooses_the_bucket(app):
    with app.app_context():
        storage = current_storage()
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix) == (BUCKET, PREFIX)
    assert parse_location("s3://b/some/prefix/") == ("b", "some/prefix")
    with pytest.raises(ConfigError):
        storage_for({"EVIDENCE_STORAGE": "https://example.org/x", "EVIDENCE_STORAGE_PATH": "x"})
    with pytest.raises(ConfigError):
        storage_for({**app.config, "S3_SSE": "rot13"})


def test_a_file_is_kept_encrypted_only_when_its_row_commits(app, session, setting, bucket):
    evidence = add_evidence(setting, setting.criteria()[:1], file=None)
    attached = attach(session, evidence, b"Notes from the second session.\n")
    sha256 = attached.sha256
    storage = current_storage()
    assert keys_in(bucket) == []
    assert [p.name.startswith(sha256) for p in storage.temporary()] == [True]
    session.commit()
    assert keys_in(bucket) == [f"{PREFIX}/objects/{sha256}"]
    assert list(storage.temporary()) == []
    head = bucket.head_object(Bucket=BUCKET, Key=f"{PREFIX}/objects/{sha256}")
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentDisposition"] == "attachment"
    with storage.open(sha256) as stream:
        assert stream.read() == b"Notes from the second session.\n"


def test_a_rolled_back_upload_leaves_nothing(app, session, setting, bucket):
    evidence = add_evidence(setting, setting.criteria()[:1], file=None)
    attach(session, evidence, b"Notes I changed my mind about.\n")
    session.rollback()
    assert keys_in(bucket) == []
    assert list(current_storage().temporary()) == []


def test_a_large_file_is_uploaded_in_parts_with_a_kms_key(app, session, tmp_path, bucket):
    with app.app_context():
        storage = current_storage()
    in_parts = S3Storage(
        storage.client,
        BUCKET,
        PREFIX,
        tmp_path / "incoming",
        sse="aws:kms",
        kms_key_id="alias/evidence",
        multipart_bytes=5 * 1024 * 1024,
    )
    data = bytes(range(256)) * (6 * 4096)  # 6 MiB: two parts
    staged = receive(in_parts, io.BytesIO(data), limit=len(data))
    KeptOnCommit(in_parts, session).keep(staged)
    assert keys_in(bucket) == []
    session.commit()
    head = bucket.head_object(Bucket=BUCKET, Key=in_parts.key_for(staged.sha256))
    assert head["ETag"].strip('"').endswith("-2")  # a multipart upload's ETag
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"].endswith("alias/evidence")
    with in_parts.open(staged.sha256) as stream:
        assert b"".join(iter(stream)) == data


def test_a_download_is_streamed_as_an_attachment_with_a_neutral_name(
    app, session, setting, signed_in
):
    add_evidence(setting, setting.criteria()[:1], file=("Amira's notes.txt", NOTES))
    attached = session.scalar(select(EvidenceFile))
    response = signed_in(setting.trainee).get(
        f"/portfolio/{setting.enrolment.id}/files/{attached.id}"
    )
    assert response.status_code == 200
    assert (
        response.headers["Content-Disposition"]
        == f"attachment; filename=document-{attached.id}.txt"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == NOTES


def test_check_sweeps_old_orphans_and_reports_missing_files(app, session, setting, bucket, runner):
    add_evidence(setting, setting.criteria()[:1], file=("a.txt", b"First notes.\n"))
    add_evidence(setting, setting.criteria()[:1], file=("b.txt", b"Second notes.\n"))
    storage = current_storage()
    first, second = session.scalars(select(EvidenceFile.sha256).order_by(EvidenceFile.id))
    storage.delete(first)  # lost from the bucket
    stray = "0" * 64
    bucket.put_object(Bucket=BUCKET, Key=storage.key_for(stray), Body=b"nobody's")
    # An orphan is swept once older than the cut-off: here, anything written before now.
    result = runner.invoke(args=["evidence", "check", "--sweep", "--hours", "0"])
    assert result.exit_code == 1
    assert f"A file is missing from the store: {first} (rows point at it)." in result.output
    assert f"Swept: {stray}." in result.output
    assert keys_in(bucket) == [storage.key_for(second)]


def test_a_young_orphan_is_left_alone(app, session, bucket):
    with app.app_context():
        storage = current_storage()
    bucket.put_object(Bucket=BUCKET, Key=storage.key_for("1" * 64), Body=b"in progress")
    report = check_store(session, storage, sweep=True, older_than_seconds=3600)
    assert [item.name for item in report.recent] == ["1" * 64]
    assert report.swept == []


def test_the_sweep_gives_back_an_object_whose_row_has_just_committed(app, session, setting, bucket):
    evidence = add_evidence(setting, setting.criteria()[:1], file=None)
    storage = current_storage()
    data = b"Notes uploaded twice.\n"
    first = attach(session, evidence, data)
    session.commit()
    sha256 = first.sha256
    session.delete(first)
    session.commit()
    report = check_store(session, storage, older_than_seconds=-60)
    assert [item.name for item in report.orphans] == [sha256]
    attach(session, evidence, data)  # the same content again, committed before the sweep
    session.commit()
    assert storage.sweep_object(sha256, report.orphans[0], lambda: True) is False
    assert storage.exists(sha256)
    assert keys_in(bucket) == [storage.key_for(sha256)]
    assert check_store(session, storage).clean


def test_keeping_the_same_content_again_refreshes_its_date(app, session, setting, bucket):
    evidence = add_evidence(setting, setting.criteria()[:1], file=None)
    attach(session, evidence, b"Same notes.\n")
    session.commit()
    storage = current_storage()
    [(_, before)] = list(storage.stored())
    deadline = time.monotonic() + 5
    while time.time() < before.mtime + 1 and time.monotonic() < deadline:
        time.sleep(0.05)  # S3 dates have whole seconds: one must pass to tell them apart
    attach(session, evidence, b"Same notes.\n")
    session.commit()
    [(_, after)] = list(storage.stored())
    assert after.mtime > before.mtime


def test_a_backup_reads_the_bucket_and_a_restore_fills_it_again(
    app, session, setting, bucket, runner, tmp_path
):
    add_evidence(setting, setting.criteria()[:1], file=("a.txt", NOTES))
    sha256 = session.scalar(select(EvidenceFile.sha256))
    result = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    copied = tmp_path / "backup" / "evidence" / sha256[:2] / sha256[2:4] / sha256
    assert copied.read_bytes() == NOTES
    current_storage().delete(sha256)
    result = runner.invoke(args=["restore", str(tmp_path / "backup"), "--force"])
    assert result.exit_code == 0, result.output
    with current_storage().open(sha256) as stream:
        assert stream.read() == NOTES
