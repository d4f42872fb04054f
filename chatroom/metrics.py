"""
The chat's own metrics, on prometheus_client's default registry, which
django-prometheus serves at /metrics with its HTTP and database metrics.

Each worker is one process and its own scrape target, so no multiprocess mode
and no worker label: Prometheus adds `instance`. Counting stays off the hot
path's bill (docs/architecture.md): a fan-out adds its deliveries with one
inc(n), never a label or a call per socket.
"""

from prometheus_client import Counter, Gauge, Histogram

sockets_open = Gauge("chat_sockets_open", "Authenticated WebSockets open on this worker.")
messages_stored = Counter("chat_messages_stored", "Messages stored (each new message once; repeats not counted).")
push_deliveries = Counter("chat_push_deliveries", "Frames the hub wrote to local sockets (one per socket and event).")
frames_refused = Counter("chat_frames_refused", "Client frames answered with an error frame, by error code.", ["code"])
send_seconds = Histogram(
    "chat_send_seconds",
    "From a message.send frame's arrival to its ack going out.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
layer_events_lost = Counter(
    "chat_layer_events_lost",
    "Times the hub found channel-layer events lost (heartbeats missing) and closed its sockets to resync.",
)
