"""Sessions in the database, read through the shared cache (issue 11, ADR 0020 amending ADR 0010).

Django's `cached_db` engine with three rules, so a Redis outage still signs
nobody out and never lets an ended session back in:

1. The database is the truth: every write goes there first (as `cached_db`).
2. The cache is read only while it is shared. While this process serves the
   cache from its own memory (`platform_core.cache`: Redis unreachable), or when
   the read itself finds Redis gone, the session is read from the database, and
   nothing is written into the process's memory: a session ended in one process
   can never be read back from another process's memory.
3. A session ended while Redis was unreachable is deleted from Redis when it
   answers again (`FailSoftRedisCache` replays deletes made during an outage),
   and cached copies live at most `CACHE_SECONDS`, which bounds what a process
   that died before Redis came back could leave behind.
"""

from __future__ import annotations

from django.contrib.sessions.backends import cached_db

from .cache import cache_is_shared

#: How long a session is kept in Redis after it was read or written (the database keeps it for its whole age).
CACHE_SECONDS = 300


class SessionStore(cached_db.SessionStore):
    def _shared(self) -> bool:
        return cache_is_shared()

    def load(self):
        if self._shared():
            data = self._cache.get(self.cache_key)
            if data is not None and self._shared():
                return data
        s = self._get_session_from_db()
        if not s:
            return {}
        data = self.decode(s.session_data)
        if self._shared():
            self._cache.set(self.cache_key, data, min(CACHE_SECONDS, self.get_expiry_age(expiry=s.expire_date)))
        return data

    def save(self, must_create=False):
        # The database first (cached_db's parent), then the cache only while it is shared.
        cached_db.DBStore.save(self, must_create=must_create)
        if self._shared():
            self._cache.set(self.cache_key, self._session, min(CACHE_SECONDS, self.get_expiry_age()))
        else:
            self._cache.delete(self.cache_key)  # replayed on Redis when it answers again

    def exists(self, session_key):
        if self._shared() and (self.cache_key_prefix + session_key) in self._cache:
            return True
        return cached_db.DBStore.exists(self, session_key)
