"""Customers' profile pictures in the stack's bucket, under their store's prefix."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from storecrm import aws
from storecrm.clock import new_id
from storecrm.config import settings
from storecrm.domain.errors import Unavailable


@lru_cache(maxsize=1)
def _link_signer(session: boto3.session.Session) -> Any:
    """An S3 client of `session` that presigns with Signature Version 4 (botocore's default presigner may
    use the retired version 2, whose links state no lifetime). Cached per session, so it is renewed
    whenever storecrm.aws renews its session (a SnapStart restore, tests)."""
    return session.client("s3", config=Config(signature_version="s3v4"))


class ProfilePhotoRepository:
    def __init__(self, bucket: str | None = None) -> None:
        self.bucket = bucket or settings().media_bucket

    @staticmethod
    def new_key(store_id: str, profile_id: str, extension: str) -> str:
        """A new name for every upload, so a link handed out for an earlier picture never shows a later one."""
        return f"stores/{store_id}/profiles/{profile_id}/photo-{new_id()}.{extension}"

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            aws.client("s3").put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        except ClientError as exc:
            raise Unavailable("The picture could not be stored; try again shortly") from exc

    def delete(self, key: str) -> None:
        aws.client("s3").delete_object(Bucket=self.bucket, Key=key)

    def link(self, key: str, lifetime: int) -> str:
        """A presigned GET for the picture, working for `lifetime` seconds (signed here; no call is made)."""
        url: str = _link_signer(aws.session()).generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=lifetime)
        return url
