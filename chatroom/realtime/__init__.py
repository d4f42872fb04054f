"""
The realtime kernel: what every app needs to reach sockets, and nothing of any app.

- protocol: every server frame, typed, built in one place; the close codes.
- frames: a frame encoded once for all its recipients (and the server's wire extension).
- events: group names (rooms, users, browser sessions), the envelopes services publish, publishing after commit.
- hub: one channel-layer subscriber per process, fanning envelopes out to local sockets.
- presence: who is online, on any worker, and the frames that say so (debounced).
- presence_store: where presence is kept: Redis (atomic scripts) or process memory.
- origin: the handshake's Origin check (the whole origin, as Django's CSRF check compares it).

It imports no app (import-linter holds it: `make lint`); the apps import it.
"""
