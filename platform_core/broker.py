"""kombu's Redis transport with one defect fixed: closing a channel on a dead socket.

Celery 5.7.0's worker, on losing the broker, calls `Connection.collect()` and
then `Connection.close()` on the same connection. If the consumer's channel was
waiting on a BRPOP when Redis went away (the worker had room for another task:
`--concurrency=2` with one batch running, or an ETA message held), the first
close dies reading that reply and stops half-way; `collect()` then detaches the
transport (`transport.client = None`) but keeps the channel, and the second
close restores the unacknowledged messages through a transport with no client:
`AttributeError: 'NoneType' object has no attribute 'hostname'` in
`_connparams`, which is not a connection error, so the worker exits.

Here the first close treats a dead socket as "no reply to drain" and finishes
(pools released, unacknowledged messages restored or left to the visibility
timeout), and a channel whose connection is gone raises a connection error
instead of an AttributeError, which Celery already knows how to survive.
Evidence and the reproduction: docs/decisions/0010-outages-degrade.md;
proved by matching/tests/test_worker_outage.py and platform_core/tests/test_broker.py.
"""

from __future__ import annotations

import logging
from queue import Empty

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError

logger = logging.getLogger(__name__)


class Channel(kombu_redis.Channel):
    def close(self) -> None:
        if self._in_poll and not self.closed:
            try:
                self._brpop_read()
            except Empty:
                pass
            except self.connection_errors:
                # The server went away with a BRPOP in flight: there is no reply to read.
                logger.info("Broker connection lost while waiting for a message; closing the channel anyway")
        super().close()

    def _connparams(self, asynchronous: bool = False) -> dict:
        transport = self.connection
        if transport is None or transport.client is None:
            raise RedisConnectionError("this broker channel's connection is already closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
