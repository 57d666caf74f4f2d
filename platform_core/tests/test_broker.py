"""platform_core.broker: the Redis transport a Celery worker survives an outage with.

The steps are Celery 5.7.0's on losing the broker (`collect()`, then `close()`),
taken on a kombu connection whose consumer channel holds an unacknowledged
message and waits on a BRPOP, with a second channel consuming a broadcast queue
as the worker's remote-control channel does, when a redis-server the test owns
stops. The end-to-end proof is matching/tests/test_worker_outage.py.
"""

from __future__ import annotations

import pytest
from kombu import Connection, Consumer, Exchange, Producer, Queue
from redis.exceptions import ConnectionError as RedisConnectionError

pytestmark = pytest.mark.redis

OURS = "platform_core.broker:Transport"


def _consumer_holding_a_message(url: str, transport: str) -> Connection:
    connection = Connection(url, transport=transport)
    work = Queue("outage-work", Exchange("outage-work"), "outage-work")
    broadcast = Queue("outage-broadcast", Exchange("outage-broadcast", type="fanout"), auto_delete=True)
    Producer(connection.default_channel).publish(
        {"n": 1}, exchange=work.exchange, routing_key=work.name, declare=[work]
    )
    held = []
    Consumer(connection.default_channel, [work], callbacks=[lambda body, message: held.append(message)]).consume()
    Consumer(connection.channel(), [broadcast], callbacks=[]).consume()
    for _ in range(20):
        try:
            connection.drain_events(timeout=0.2)
        except TimeoutError:
            if held:  # the message is held and the next BRPOP is in flight
                break
    channel = connection.default_channel
    assert len(held) == 1 and not held[0].acknowledged
    assert channel._in_poll
    return connection


def test_upstream_kombu_still_crashes_closing_a_collected_connection(redis_server):
    """If this fails, kombu or Celery fixed it upstream: drop platform_core/broker.py (ADR 0010)."""
    connection = _consumer_holding_a_message(redis_server.url, "redis")
    redis_server.stop()
    connection.collect()
    with pytest.raises(AttributeError, match="hostname"):
        connection.close()


def test_our_transport_closes_a_collected_connection(redis_server):
    connection = _consumer_holding_a_message(redis_server.url, OURS)
    channel = connection.default_channel
    redis_server.stop()
    connection.collect()
    connection.close()
    assert channel.closed


def test_a_channel_whose_connection_is_gone_reports_a_connection_error(redis_server):
    connection = _consumer_holding_a_message(redis_server.url, OURS)
    channel = connection.default_channel
    redis_server.stop()
    connection.collect()
    with pytest.raises(RedisConnectionError) as raised:
        channel._connparams()
    assert isinstance(raised.value, connection.connection_errors)
