"""Link-check stage: documents -> URLs (with every place cited) -> verdicts; cache; reports.
The core knows nothing of Sphinx.

Flow (collector separate from checker, as in Sphinx's linkcheck builder)::

    LinkSet (collect.py: .bib url fields, source texts, docs dirs, URL lists; dedup by URL,
             every CitedAt kept)
      -> Checker(CheckConfig, Cache).check(links, on_result=...)   (checker.py)
           text-only verdicts first (classify.precheck: placeholder, malformed, refused scheme,
           mailto syntax; ignore regexes -> skipped), then the cache (cache.py), then one flow per
           page over per-host limiters (Host: semaphore, pacing, 429/503 back-off reset on
           success, in-flight de-dup of cited pages) and per-address limits (Endpoint)
             - where a request may go: address.py (AddressPolicy, Resolver: one judged DNS
               answer per name per run)
             - how it goes: transport.py (PinnedAdapter: sockets only to that answer's
               addresses; Watchdog: a total time bound per request; CheckedResponse)
      -> [CheckResult]  -> report.py: summary table, JSON array, JSON Lines, JUnit XML

Which verdicts fail a run (exit 1, ``app.statuscode = 1``): ``Verdict.failed`` -- broken,
content-changed, anchor-missing, malformed, refused, unchecked, and timeout unless
``timeout_fails=False`` (``--timeout-ok``, ``karabakh_linkcheck_timeout_fails = False``): a missing
anchor or a malformed URL is a writer's error to fix; a refused URL points somewhere the checker
will not go (a metadata or link-local address, a javascript: or other non-link scheme); an
unchecked one was never looked at (deadline, Ctrl-C); a timeout is usually an error too, but flaky
networks may want it off.  Not failing: ok, redirected-permanent/-temporary (reported with the
final URL), rate-limited (the server asked us to come back later: no news about the link),
placeholder, skipped (ignored by configuration).

JSON Lines (``--jsonl``, the builder's ``output.jsonl``) is the report other tools read: one
object per URL with ``url``, ``verdict``, ``outcome``, ``status``, ``final_url``, ``elapsed``,
``reason``, ``cached`` and ``cited_at``; ``report.read_report(path)`` reads it (or a JSON array).
"""
