"""The documents' bucket on S3 (services/ports.ObjectStore): presigned forms and links, a head, a ranged read, the
object's tags, its versions, a delete. Nothing else of S3 is used, so the API role grants nothing else
(tests/infra/test_policy.py). A call naming a version is authorized by the version's own action (HeadObject and
GetObject by s3:GetObjectVersion, GetObjectTagging by s3:GetObjectVersionTagging, DeleteObject by
s3:DeleteObjectVersion, a presigned GET likewise); listing a key's versions by s3:ListBucketVersions on the bucket.

The bucket encrypts every object with the stack's KMS key by default (infra/template.yaml), so no request names
the key. Locally (scripts/dev) the endpoint is moto's server, addressed by path (http://127.0.0.1:5001/<bucket>).
"""
from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import quote

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from ..config import Settings

# One attempt is enough for these short calls; the page that makes them can be reloaded.
CLIENT_CONFIG = Config(connect_timeout=3, read_timeout=10, retries={"total_max_attempts": 2, "mode": "standard"},
                       signature_version="s3v4")
_MISSING = ("404", "NoSuchKey", "NotFound", "NoSuchVersion")


class S3Objects:
    def __init__(self, settings: Settings) -> None:
        self.bucket = settings.bucket
        # The regional endpoint, by virtual host (https://<bucket>.s3.<region>.amazonaws.com): the browser posts
        # to the bucket's own region (the global name may answer a new bucket with a redirect) and the pages' CSP
        # names that one origin. An emulator (scripts/dev: moto's server) is addressed by path.
        local = settings.s3_endpoint
        endpoint = local or f"https://s3.{settings.region}.amazonaws.com"
        config = CLIENT_CONFIG.merge(Config(s3={"addressing_style": "path" if local else "virtual"}))
        self._client: Any = boto3.client("s3", region_name=settings.region, endpoint_url=endpoint, config=config)

    def presign_post(self, key: str, conditions: list[Any], fields: Mapping[str, str],
                     expires_in: int) -> tuple[str, dict[str, str]]:
        signed = self._client.generate_presigned_post(
            Bucket=self.bucket, Key=key, Fields=dict(fields),
            Conditions=[*({k: v} for k, v in fields.items()), *conditions], ExpiresIn=expires_in)
        return str(signed["url"]), {str(k): str(v) for k, v in signed["fields"].items()}

    def head(self, key: str, version_id: str | None = None) -> tuple[int, str | None] | None:
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=key, **_version(version_id))
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        return int(head["ContentLength"]), _version_of(head)

    def first_bytes(self, key: str, count: int, version_id: str | None = None) -> bytes:
        got = self._client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{count - 1}", **_version(version_id))
        data: bytes = got["Body"].read(count)
        return data[:count]

    def tags(self, key: str, version_id: str | None = None) -> tuple[str | None, dict[str, str]]:
        try:
            got = self._client.get_object_tagging(Bucket=self.bucket, Key=key, **_version(version_id))
        except ClientError as exc:
            if _missing(exc):
                return None, {}
            raise
        return _version_of(got), {str(t["Key"]): str(t["Value"]) for t in got.get("TagSet", [])}

    def versions(self, key: str) -> list[str]:
        # A key's versions, by its own prefix: a document id is a fixed length, so no other key starts with it; the
        # exact key is checked anyway. One page (1,000) is far more than the minutes an upload form lives allow.
        got = self._client.list_object_versions(Bucket=self.bucket, Prefix=key, MaxKeys=1000)
        found = [v for v in (*got.get("Versions", []), *got.get("DeleteMarkers", [])) if v.get("Key") == key]
        found.sort(key=lambda v: v["LastModified"], reverse=True)
        return [str(v["VersionId"]) for v in found if v.get("VersionId") not in (None, "null")]

    def delete(self, key: str, version_id: str | None = None) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=key, **_version(version_id))

    def presign_get(self, key: str, expires_in: int, filename: str, content_type: str,
                    version_id: str | None = None) -> str:
        disposition = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
        url: str = self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key, "ResponseContentType": content_type,
                                  "ResponseContentDisposition": disposition, **_version(version_id)},
            ExpiresIn=expires_in)
        return url

    def delete_every_version(self, prefix: str) -> int:
        """ListObjectVersions under the prefix, then DeleteObject of each version and delete marker by its id (a
        delete naming its version is for good, with no new marker)."""
        deleted = 0
        for page in self._client.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                self._client.delete_object(Bucket=self.bucket, Key=item["Key"], VersionId=item["VersionId"])
                deleted += 1
        return deleted


def _version(version_id: str | None) -> dict[str, str]:
    return {"VersionId": version_id} if version_id else {}


def _version_of(answer: Mapping[str, Any]) -> str | None:
    """The answer's version id; None for an object of a bucket never versioned (S3 says "null")."""
    version = answer.get("VersionId")
    return None if version in (None, "null") else str(version)


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in _MISSING
