"""Evidence files in an S3-compatible bucket (`EVIDENCE_STORAGE=s3://bucket/prefix`).

The same four methods as the local folder (see lms.portfolio.storage), and the same path for a
file: received and checked in a local `incoming` folder, held there under its hash until its
row commits (`KeptOnCommit`), then kept. Keeping is a streamed upload (`upload_fileobj`,
in parts above `MULTIPART_BYTES`) to `<prefix>/objects/<sha256>`, with the service asked to
check the body's SHA-256, encrypted at rest when S3_SSE says so, and stored as an attachment
so that even a link straight to the bucket never shows it in a browser. Reading is a
streamed GET through the application (never a link to the bucket): the download route sends
it as an attachment under a neutral name, after authorising and auditing.

Keys are hashes, so an interrupted upload never replaces good content with bad, and the same
content is uploaded once (a second keep only refreshes the object's date, so that a sweep
of old unreferenced objects passes it by). `flask --app app evidence check` lists the bucket
against the rows and sweeps as it does a folder: an object is moved aside, the database asked
once more, and it is put back if a row named it meanwhile.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from lms.config import ConfigError
from lms.portfolio.objectkeys import CHUNK_SIZE, PART_SUFFIX, check_sha256

MULTIPART_BYTES = 16 * 1024 * 1024
SSE_CHOICES = ("", "AES256", "aws:kms")


@dataclass(frozen=True)
class StoredObject:
    """An object in the bucket, as `evidence check` sees it."""

    name: str  # its sha256
    size: int
    mtime: float  # when it was last written, as a POSIX time


class _Body:
    """A streaming GET body read in pieces, closed with its connection."""

    def __init__(self, body, size: int):
        self._body = body
        self.size = size

    def read(self, size: int = -1) -> bytes:
        return self._body.read(None if size is None or size < 0 else size)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._body.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __iter__(self):
        while chunk := self.read(CHUNK_SIZE):
            yield chunk


def _is_missing(error) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound"}


class S3Storage:
    def __init__(
        self,
        client,
        bucket: str,
        prefix: str,
        incoming: str | os.PathLike,
        *,
        sse: str = "",
        kms_key_id: str = "",
        multipart_bytes: int = MULTIPART_BYTES,
    ):
        from boto3.s3.transfer import TransferConfig

        if sse not in SSE_CHOICES:
            raise ConfigError("S3_SSE must be AES256 or aws:kms (or empty for none).")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._incoming = Path(incoming).resolve()
        self.encryption = {}
        if sse:
            self.encryption["ServerSideEncryption"] = sse
        if sse == "aws:kms" and kms_key_id:
            self.encryption["SSEKMSKeyId"] = kms_key_id
        self.transfer = TransferConfig(
            multipart_threshold=multipart_bytes, multipart_chunksize=multipart_bytes
        )

    @property
    def incoming(self) -> Path:
        return self._incoming

    def key_for(self, sha256: str, folder: str = "objects") -> str:
        check_sha256(sha256)
        return "/".join(part for part in (self.prefix, folder, sha256) if part)

    def _error(self):
        from botocore.exceptions import ClientError

        return ClientError

    def keep(self, staged) -> None:
        """Upload a staged file (lms.portfolio.storage.StagedFile) and remove it here."""
        key = self.key_for(staged.sha256)
        if self.exists(staged.sha256):
            self._refresh(key)
        else:
            with open(staged.path, "rb") as handle:
                self.client.upload_fileobj(
                    handle,
                    self.bucket,
                    key,
                    ExtraArgs={
                        "ContentType": "application/octet-stream",
                        "ContentDisposition": "attachment",
                        "ChecksumAlgorithm": "SHA256",
                        **self.encryption,
                    },
                    Config=self.transfer,
                )
        staged.path.unlink(missing_ok=True)
        staged.kept = True

    def _copy(self, source: str, target: str, *, replace: bool = False) -> None:
        extra = {"MetadataDirective": "REPLACE"} if replace else {}
        if replace:
            extra |= {"ContentType": "application/octet-stream", "ContentDisposition": "attachment"}
        self.client.copy_object(
            Bucket=self.bucket,
            Key=target,
            CopySource={"Bucket": self.bucket, "Key": source},
            **extra,
            **self.encryption,
        )

    def _refresh(self, key: str) -> None:
        """Copy an object onto itself: its date is now, so no sweep takes it for an orphan."""
        self._copy(key, key, replace=True)

    def open(self, sha256: str) -> BinaryIO:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key_for(sha256))
        except self._error() as error:
            if _is_missing(error):
                raise KeyError(sha256) from None
            raise
        return _Body(answer["Body"], answer["ContentLength"])  # type: ignore[return-value]

    def exists(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key_for(sha256))
        except self._error() as error:
            if _is_missing(error):
                return False
            raise
        return True

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key_for(sha256))

    # --- for `evidence check` ------------------------------------------------------------------

    def stored(self):
        """Every kept object: (sha256, StoredObject)."""
        start = self.key_for("0" * 64).removesuffix("0" * 64)
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        )
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"].removeprefix(start)
                try:
                    check_sha256(name)
                except ValueError:
                    continue
                yield name, StoredObject(name, item["Size"], item["LastModified"].timestamp())

    def temporary(self):
        if self.incoming.is_dir():
            yield from (path for path in self.incoming.iterdir() if path.is_file())

    def is_object(self, item) -> bool:
        return isinstance(item, StoredObject)

    def sweep_object(self, sha256: str, item: StoredObject, recorded) -> bool:
        """Remove an orphan: moved aside first, then put back if `recorded()` now says a row
        names it (an upload of the same content committed meanwhile)."""
        key, aside = self.key_for(sha256), self.key_for(sha256, "sweeping")
        try:
            self._copy(key, aside)
        except self._error() as error:
            if _is_missing(error):
                return False
            raise
        self.client.delete_object(Bucket=self.bucket, Key=key)
        if recorded():
            if not self.exists(sha256):
                self._copy(aside, key)
            self.client.delete_object(Bucket=self.bucket, Key=aside)
            return False
        self.client.delete_object(Bucket=self.bucket, Key=aside)
        return True

    def clean_incoming(self, *, older_than_seconds: float = 3600) -> int:
        import time

        if not self.incoming.is_dir():
            return 0
        cutoff, removed = time.time() - older_than_seconds, 0
        for path in self.incoming.glob(f"*{PART_SUFFIX}"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed


def parse_location(location: str) -> tuple[str, str]:
    """`s3://bucket/prefix` → (bucket, prefix)."""
    parts = urlsplit(location)
    if parts.scheme != "s3" or not parts.netloc:
        raise ConfigError("EVIDENCE_STORAGE must look like s3://bucket/prefix.")
    return parts.netloc, parts.path.strip("/")


def s3_storage_for(config: dict) -> S3Storage:
    import boto3
    from botocore.config import Config

    bucket, prefix = parse_location(config["EVIDENCE_STORAGE"])
    credentials = {}
    if config.get("S3_ACCESS_KEY_ID"):
        credentials = {
            "aws_access_key_id": config["S3_ACCESS_KEY_ID"],
            "aws_secret_access_key": config.get("S3_SECRET_ACCESS_KEY", ""),
        }
    client = boto3.client(
        "s3",
        endpoint_url=config.get("S3_ENDPOINT_URL") or None,
        region_name=config.get("S3_REGION") or None,
        config=Config(signature_version="s3v4", retries={"max_attempts": 5, "mode": "standard"}),
        **credentials,
    )
    return S3Storage(
        client,
        bucket,
        prefix,
        Path(config["EVIDENCE_STORAGE_PATH"]) / "incoming",
        sse=config.get("S3_SSE", ""),
        kms_key_id=config.get("S3_SSE_KMS_KEY_ID", ""),
    )
