"""CHAT_STORAGE_URL names an S3 bucket: public media and private attachments, each under its own prefix."""

import pytest

from chatroom.storage_url import storages_from_url


def test_a_bucket_on_an_s3_server_with_keys():
    storages = storages_from_url(
        "s3://AKIA%2Fkey:se%40cret@chat-files?endpoint=http://127.0.0.1:8333&region=eu-central-1",
        attachment_url_seconds=60,
    )
    media, attachments = storages["default"]["OPTIONS"], storages["attachments"]["OPTIONS"]
    assert storages["attachments"]["BACKEND"] == "storages.backends.s3.S3Storage"
    for options in (media, attachments):
        assert options["bucket_name"] == "chat-files"
        assert (options["access_key"], options["secret_key"]) == ("AKIA/key", "se@cret")
        assert options["endpoint_url"] == "http://127.0.0.1:8333" and options["region_name"] == "eu-central-1"
        assert options["addressing_style"] == "path" and options["default_acl"] is None
    assert media["location"] == "media" and media["querystring_auth"] is False
    assert attachments["location"] == "attachments" and attachments["querystring_auth"] is True
    assert attachments["querystring_expire"] == 60


def test_aws_with_its_own_credentials_and_a_cdn_for_media():
    storages = storages_from_url("s3://chat?media_url=https://cdn.example.net/chat/", attachment_url_seconds=30)
    media = storages["default"]["OPTIONS"]
    assert "access_key" not in media and "endpoint_url" not in media and "addressing_style" not in media
    assert media["custom_domain"] == "cdn.example.net/chat" and media["url_protocol"] == "https:"


@pytest.mark.parametrize("url", ["https://bucket", "s3://", "s3://b?endpoint=x&colour=blue", "s3://b?addressing=odd"])
def test_a_url_that_names_no_bucket_clearly_is_refused(url):
    with pytest.raises(ValueError, match="CHAT_STORAGE_URL"):
        storages_from_url(url, attachment_url_seconds=60)
