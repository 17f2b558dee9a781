"""Objects in the stack's bucket (private): what customers' pictures and the stores' media libraries share.

Every store's objects sit under `stores/{storeId}/`, so deleting a store deletes that prefix.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from storecrm import aws
from storecrm.config import settings
from storecrm.kernel.errors import ObjectChanged, Unavailable

# ListObjectsV2 and DeleteObjects both take at most 1000 keys a call.
PAGE = 1000


@lru_cache(maxsize=1)
def _link_signer(session: boto3.session.Session) -> Any:
    """An S3 client of `session` that presigns with Signature Version 4 (botocore's default presigner may
    use the retired version 2, whose links state no lifetime). Cached per session, so it is renewed
    whenever storecrm.aws renews its session (a SnapStart restore, tests)."""
    return session.client("s3", config=Config(signature_version="s3v4"))


def store_prefix(store_id: str) -> str:
    return f"stores/{store_id}/"


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str
    etag: str = ""  # names this version of the object: a later upload to the same key has another


class ObjectStore:
    def __init__(self, bucket: str | None = None) -> None:
        self.bucket = bucket or settings().media_bucket

    def put(self, key: str, data: bytes, content_type: str, disposition: str | None = None) -> None:
        """Stores `data`; with `disposition` (`attachment`), S3 serves it with that Content-Disposition."""
        extra = {"ContentDisposition": disposition} if disposition else {}
        try:
            aws.client("s3").put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, **extra)
        except ClientError as exc:
            raise Unavailable("The file could not be stored; try again shortly") from exc

    def copy(self, source: str, target: str, *, version: str, content_type: str,
             disposition: str | None = None) -> None:
        """Copies the object at `source` to `target` with new headers (one CopyObject), only if `source` is still
        the `version` (ETag) that was checked (else ObjectChanged). S3 holds the copy to that condition; the
        copy's own ETag (a single-part object's is its bytes' MD5, which a copy keeps) is compared as well, for
        stores that do not (moto)."""
        extra = {"ContentDisposition": disposition} if disposition else {}
        try:
            answer = aws.client("s3").copy_object(Bucket=self.bucket, Key=target,
                                                  CopySource={"Bucket": self.bucket, "Key": source},
                                                  CopySourceIfMatch=version, MetadataDirective="REPLACE",
                                                  ContentType=content_type, **extra)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("PreconditionFailed", "412", "NoSuchKey", "404"):
                raise ObjectChanged(source) from exc
            raise Unavailable("The file could not be stored; try again shortly") from exc
        if answer.get("CopyObjectResult", {}).get("ETag") != version:
            self.delete(target)
            raise ObjectChanged(source)

    def delete(self, key: str) -> None:
        aws.client("s3").delete_object(Bucket=self.bucket, Key=key)

    def head(self, key: str) -> StoredObject | None:
        """The object's size and type as S3 has them, or None when there is no such object."""
        try:
            found = aws.client("s3").head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            # 403 too: the functions may not list the bucket (s3:ListBucket), and S3 then answers a HEAD of a
            # key that does not exist with 403 rather than 404; they may read every key they would ask for.
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound", "403", "AccessDenied", "Forbidden"):
                return None
            raise
        return StoredObject(int(found["ContentLength"]), str(found.get("ContentType") or ""),
                            str(found.get("ETag") or ""))

    def read_start(self, key: str, size: int, version: str | None = None) -> bytes:
        """The object's first `size` bytes (one ranged GET); with `version`, only of that version (else
        ObjectChanged)."""
        extra = {"IfMatch": version} if version else {}
        try:
            body = aws.client("s3").get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{size - 1}",
                                               **extra)["Body"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("PreconditionFailed", "412", "NoSuchKey", "404"):
                raise ObjectChanged(key) from exc
            raise
        data: bytes = body.read()
        return data

    def link(self, key: str, lifetime: int, content_type: str | None = None, disposition: str | None = None) -> str:
        """A presigned GET working for `lifetime` seconds (signed here; no call is made). With `content_type`
        (and `disposition`), S3 answers with that type (and Content-Disposition) whatever the object was stored
        with."""
        params = {"Bucket": self.bucket, "Key": key}
        if content_type:
            params["ResponseContentType"] = content_type
        if disposition:
            params["ResponseContentDisposition"] = disposition
        url: str = _link_signer(aws.session()).generate_presigned_url("get_object", Params=params, ExpiresIn=lifetime)
        return url

    def upload_form(self, key: str, content_type: str, size: int, lifetime: int) -> tuple[str, dict[str, str]]:
        """A presigned POST (url and form fields) for one object of exactly `size` bytes and this type. S3
        enforces the policy; whoever completes the upload must check the object anyway (moto does not)."""
        form = _link_signer(aws.session()).generate_presigned_post(
            self.bucket, key, Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]], ExpiresIn=lifetime)
        return str(form["url"]), {k: str(v) for k, v in form["fields"].items()}

    def keys_under(self, prefix: str) -> Iterator[list[str]]:
        """The keys under `prefix`, a page of up to PAGE at a time."""
        pages = aws.client("s3").get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": PAGE})
        for page in pages:
            keys = [str(o["Key"]) for o in page.get("Contents", [])]
            if keys:
                yield keys

    def delete_store_objects(self, store_id: str) -> int:
        """Deletes every object of the store, a page at a time; safe to run again after a crash (what is
        gone is not listed again)."""
        prefix = store_prefix(store_id)
        removed = 0
        for keys in self.keys_under(prefix):
            answer = aws.client("s3").delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True})
            if answer.get("Errors"):
                raise Unavailable(f"{len(answer['Errors'])} objects under {prefix} could not be deleted")
            removed += len(keys)
        return removed
