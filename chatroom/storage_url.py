"""
CHAT_STORAGE_URL: where uploaded files live when not on this host's disk.

    s3://ACCESS_KEY:SECRET_KEY@BUCKET?endpoint=https://s3.example.net&region=eu-central-1

names an S3 bucket (AWS, or any S3 server: SeaweedFS, MinIO, Ceph) for django-storages'
S3 backend; without ACCESS_KEY:SECRET_KEY, boto3 finds credentials itself (AWS_* variables,
an instance role). Query parameters, all optional: `endpoint` (default: AWS), `region`,
`addressing` (`path` or `virtual`; default `path` with an endpoint, else AWS's default),
`media_url` (a public URL the bucket's media/ prefix is served at, e.g. a CDN; default the
endpoint's own URL for the bucket). Keys may be percent-encoded. Parsed here, in a module
that imports nothing of Django, because settings need it.
"""

from urllib.parse import parse_qs, unquote, urlsplit


def storages_from_url(url: str, *, attachment_url_seconds: int) -> dict[str, dict]:
    """
    The STORAGES entries for the URL: "default" (avatars and other public media, under
    media/, plain URLs: the prefix must be readable by anyone, like nginx's /media/) and
    "attachments" (under attachments/, private: only ever handed out as a presigned URL
    valid `attachment_url_seconds`, after the access check).
    """
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise ValueError("CHAT_STORAGE_URL must look like s3://[KEY:SECRET@]BUCKET[?endpoint=...&region=...]")
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"endpoint", "region", "addressing", "media_url"}
    if unknown:
        raise ValueError(f"CHAT_STORAGE_URL: unknown parameters {', '.join(sorted(unknown))}")
    # The bucket as written: urlsplit lowercases hostname, and bucket names are lowercase anyway.
    bucket = parts.netloc.rsplit("@", 1)[-1]
    common = {
        "bucket_name": bucket,
        "signature_version": "s3v4",
        # Stored names are random and never reused: no existence check (one request fewer per upload).
        "file_overwrite": True,
        "default_acl": None,  # the bucket's own policy decides; objects get no ACL of their own
    }
    if parts.username:
        common["access_key"] = unquote(parts.username)
        common["secret_key"] = unquote(parts.password or "")
    if "endpoint" in query:
        common["endpoint_url"] = query["endpoint"]
    if "region" in query:
        common["region_name"] = query["region"]
    addressing = query.get("addressing", "path" if "endpoint" in query else None)
    if addressing:
        if addressing not in ("path", "virtual"):
            raise ValueError("CHAT_STORAGE_URL: addressing is `path` or `virtual`")
        common["addressing_style"] = addressing
    media = {**common, "location": "media", "querystring_auth": False}
    if "media_url" in query:
        public = urlsplit(query["media_url"])
        media["custom_domain"] = f"{public.netloc}{public.path.rstrip('/')}"
        media["url_protocol"] = f"{public.scheme}:"
    backend = "storages.backends.s3.S3Storage"
    return {
        "default": {"BACKEND": backend, "OPTIONS": media},
        "attachments": {
            "BACKEND": backend,
            "OPTIONS": {
                **common,
                "location": "attachments",
                "querystring_auth": True,
                "querystring_expire": attachment_url_seconds,
            },
        },
    }
