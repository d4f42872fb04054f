"""What reaches Sentry: never a message body, a password, a token, a ticket, a cookie or a request body."""

from chatroom.sentry import FILTERED, scrub_breadcrumb, scrub_event

SECRETS = ("the message text", "hunter2hunter2", "eyJhbGciOiJIUzI1NiJ9.payload.sig", "TICKETabc123", "sessionid=xyz")


def test_an_event_leaves_without_bodies_credentials_or_tickets():
    event = {
        "request": {
            "url": "https://chat.example.com/ws/chat/?ticket=TICKETabc123",
            "query_string": "ticket=TICKETabc123&after=5",
            "method": "POST",
            "data": {"body": "the message text", "password": "hunter2hunter2"},
            "cookies": {"sessionid": "sessionid=xyz"},
            "headers": {
                "Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
                "Cookie": "sessionid=xyz",
                "User-Agent": "pytest",
            },
        },
        "extra": {"frame": {"type": "message.send", "body": "the message text", "client_id": "c1"}},
        "contexts": {"websocket": {"access_token": "eyJhbGciOiJIUzI1NiJ9.payload.sig", "room": 3}},
        "breadcrumbs": {
            "values": [{"category": "query", "message": "GET /api/?token=eyJhbGciOiJIUzI1NiJ9.payload.sig"}]
        },
        "exception": {"values": [{"type": "ValueError", "value": "bad frame", "stacktrace": {"frames": []}}]},
    }
    scrubbed = scrub_event(event, {})
    text = repr(scrubbed)
    for secret in SECRETS:
        assert secret not in text, secret
    # What is needed to find the fault stays.
    assert scrubbed["request"]["method"] == "POST"
    assert scrubbed["request"]["headers"]["User-Agent"] == "pytest"
    assert scrubbed["request"]["query_string"] == f"ticket={FILTERED}&after=5"
    assert scrubbed["extra"]["frame"] == {"type": "message.send", "body": FILTERED, "client_id": "c1"}
    assert scrubbed["contexts"]["websocket"]["room"] == 3
    assert scrubbed["exception"]["values"][0]["value"] == "bad frame"
    assert "data" not in scrubbed["request"] and "cookies" not in scrubbed["request"]


def test_breadcrumbs_are_scrubbed_as_they_are_recorded():
    crumb = {"category": "httplib", "data": {"url": "/api/auth/ws-ticket/?ticket=TICKETabc123", "password": "x"}}
    assert scrub_breadcrumb(crumb, {}) == {
        "category": "httplib",
        "data": {"url": f"/api/auth/ws-ticket/?ticket={FILTERED}", "password": FILTERED},
    }
