"""
Two daphne workers share everything through MariaDB and Redis: each client here
is pinned to one worker by connecting to its port directly.
"""

import asyncio

from chat_client import ChatSocket, arequest, register, room_with, ticket

UNICODE_BODY = "emoji 😀🎉👩‍👩‍👧 CJK 你好，世界 日本語 한국어 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"  # noqa: RUF001 (deliberately unusual code points)


def message_in(room_id: int):
    return lambda frame: frame["type"] == "message.new" and frame["message"]["room"] == room_id


async def test_users_on_different_workers_chat(stack):
    one, two = stack.worker_url(0), stack.worker_url(1)
    alice, bob = await register(one, "alice"), await register(two, "bob")
    room = await room_with(one, alice, bob)
    a = await ChatSocket.open(one, alice)
    b = await ChatSocket.open(two, bob)

    await a.send({"type": "message.send", "room": room["id"], "body": "hello from worker one", "client_id": "a1"})
    ack = await a.wait_for(lambda f: f["type"] == "ack" and f["client_id"] == "a1")
    heard = await b.wait_for(message_in(room["id"]))
    assert heard["message"]["id"] == ack["message"]["id"]
    assert heard["message"]["body"] == "hello from worker one"
    assert heard["message"]["author"]["username"] == alice.username

    await b.send({"type": "message.send", "room": room["id"], "body": "and back from two", "client_id": "b1"})
    reply = await a.wait_for(lambda f: message_in(room["id"])(f) and f["message"]["body"] == "and back from two")
    assert reply["message"]["author"]["username"] == bob.username
    await a.close()
    await b.close()


async def test_ticket_from_one_worker_opens_a_socket_on_the_other(stack):
    one, two = stack.worker_url(0), stack.worker_url(1)
    carol = await register(one, "carol")
    issued = await ticket(one, carol)

    socket = await ChatSocket.open_with_ticket(two, issued)
    hello = await socket.wait_for(lambda f: f["type"] == "hello")
    assert hello["user"]["username"] == carol.username
    await socket.close()

    # Single use across workers: the ticket is spent, on the issuer too.
    again = await ChatSocket.open_with_ticket(one, issued)
    await asyncio.wait_for(again.closed.wait(), 15)
    assert again.connection.close_code == 4401
    assert not [f for f in again.frames if f["type"] == "hello"]


async def test_presence_and_typing_cross_workers(stack):
    one, two = stack.worker_url(0), stack.worker_url(1)
    alice, bob = await register(one, "alice"), await register(two, "bob")
    room = await room_with(one, alice, bob)
    a = await ChatSocket.open(one, alice)

    b = await ChatSocket.open(two, bob)
    online = await a.wait_for(lambda f: f["type"] == "presence" and f["user"]["id"] == bob.id)
    assert online["online"] is True and online["room"] == room["id"]

    # The members list (REST, either worker) sees bob's socket on the other worker.
    members = (await arequest(one, "GET", f"/api/rooms/{room['id']}/members/", token=alice.access)).json()
    assert {m["user"]["id"]: m["online"] for m in members}[bob.id] is True

    await b.send({"type": "typing", "room": room["id"]})
    typing = await a.wait_for(lambda f: f["type"] == "typing")
    assert typing["room"] == room["id"] and typing["user"]["id"] == bob.id

    await b.close()
    offline = await a.wait_for(lambda f: f["type"] == "presence" and f["user"]["id"] == bob.id and not f["online"])
    assert offline["room"] == room["id"]
    await a.close()


async def test_200_messages_through_one_worker_all_reach_the_other(stack):
    one, two = stack.worker_url(0), stack.worker_url(1)
    sender, reader = await register(one, "sender"), await register(two, "reader")
    room = await room_with(one, sender, reader)
    s = await ChatSocket.open(one, sender)
    r = await ChatSocket.open(two, reader)

    count = 200
    for n in range(count):
        await s.send({"type": "message.send", "room": room["id"], "body": f"message {n}", "client_id": f"m{n}"})
    acks = await s.wait_count(lambda f: f["type"] == "ack", count, timeout=60)
    assert not [f for f in s.frames if f["type"] == "error"]
    heard = await r.wait_count(message_in(room["id"]), count, timeout=60)

    stored_ids = sorted(f["message"]["id"] for f in acks)
    heard_by_id = {f["message"]["id"]: f["message"] for f in heard}
    assert len(stored_ids) == len(set(stored_ids)) == count
    assert sorted(heard_by_id) == stored_ids, "a message went missing or a stranger appeared"
    # Sorted by id, the messages come in the order they were sent (ids grow).
    assert [heard_by_id[i]["body"] for i in stored_ids] == [f"message {n}" for n in range(count)]

    # The record agrees: REST history (via the other worker) has all 200, oldest first.
    page = (await arequest(two, "GET", f"/api/rooms/{room['id']}/messages/?limit=200", token=reader.access)).json()
    assert [m["id"] for m in page["results"]] == stored_ids
    await s.close()
    await r.close()


async def test_utf8mb4_text_survives_the_round_trip(stack):
    one, two = stack.worker_url(0), stack.worker_url(1)
    alice, bob = await register(one, "alice"), await register(two, "bob")
    room = await room_with(one, alice, bob, name="聊天室 🎈")
    assert room["name"] == "聊天室 🎈"
    a = await ChatSocket.open(one, alice)
    b = await ChatSocket.open(two, bob)

    await a.send({"type": "message.send", "room": room["id"], "body": UNICODE_BODY, "client_id": "表情🙂"})
    ack = await a.wait_for(lambda f: f["type"] == "ack")
    assert ack["client_id"] == "表情🙂" and ack["message"]["body"] == UNICODE_BODY
    heard = await b.wait_for(message_in(room["id"]))
    assert heard["message"]["body"] == UNICODE_BODY

    # REST: a send with the same text, and the history read back from the database.
    sent = await arequest(
        two, "POST", f"/api/rooms/{room['id']}/messages/", json_body={"body": UNICODE_BODY}, token=bob.access
    )
    assert sent.status == 201 and sent.json()["body"] == UNICODE_BODY
    history = (await arequest(one, "GET", f"/api/rooms/{room['id']}/messages/", token=alice.access)).json()
    assert [m["body"] for m in history["results"]] == [UNICODE_BODY, UNICODE_BODY]
    rooms = (await arequest(two, "GET", "/api/rooms/", token=bob.access)).json()
    assert [r["name"] for r in rooms if r["id"] == room["id"]] == ["聊天室 🎈"]
    await a.close()
    await b.close()
