"""The council's market as pages, one module per queue or screen, mirroring
`marketplace.services` and `marketplace.selectors`: `console` (home and audit
log), `verification`, `moderation`, `safeguarding`, `people`, `regulation`,
`analytics`. Officers' pages are mounted at /console/ (`marketplace.urls`);
the pages any party may use, at /concerns/ (`marketplace.public_urls`)."""
