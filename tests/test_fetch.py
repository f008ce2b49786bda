"""The HTTP fetcher against a real local server: retries, timeouts, caps, redirects, tokens."""

from __future__ import annotations

import time

import pytest
from httpserver import LocalServer, http_server, https_server, tls_certificate

from yamlpipe.resolve.config import FetchSettings
from yamlpipe.resolve.fetch import Fetched, Fetcher, FetchError, check_url_allowed

__all__ = ["http_server", "https_server", "tls_certificate"]

FAST = FetchSettings(connect_timeout=1, read_timeout=0.5, retries=1, backoff=0.01)
BODY = b"name: Echo\n"


def fetch(server: LocalServer, path: str, settings: FetchSettings = FAST, **env: str) -> Fetched:
    fetcher = Fetcher(settings, environ=env)
    try:
        return fetcher.fetch(server.url(path))
    finally:
        fetcher.close()


def fetch_error(server: LocalServer, path: str, settings: FetchSettings = FAST) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(server, path, settings)
    return caught.value


def test_fetch_returns_the_body_and_final_url(http_server: LocalServer) -> None:
    url = http_server.add("/c.yaml", BODY)
    got = fetch(http_server, "/c.yaml")
    assert (got.url, got.final_url, got.content) == (url, url, BODY)
    assert http_server.hits["/c.yaml"] == 1


def test_404_is_not_retried(http_server: LocalServer) -> None:
    error = fetch_error(http_server, "/missing.yaml")
    assert error.message == "HTTP 404 Not Found"
    assert http_server.hits["/missing.yaml"] == 1


def test_a_500_then_success_is_retried(http_server: LocalServer) -> None:
    http_server.add("/flaky.yaml", BODY, fail_first=1)
    assert fetch(http_server, "/flaky.yaml").content == BODY
    assert http_server.hits["/flaky.yaml"] == 2


def test_a_server_that_keeps_failing_gives_up_after_the_retries(http_server: LocalServer) -> None:
    http_server.add("/broken.yaml", BODY, fail_first=99, fail_status=502)
    error = fetch_error(http_server, "/broken.yaml")
    assert error.message == "HTTP 502 Bad Gateway (tried 2 times)"
    assert http_server.hits["/broken.yaml"] == 2


def test_retry_after_does_not_make_us_wait(http_server: LocalServer) -> None:
    http_server.add(
        "/busy.yaml", BODY, fail_first=1, fail_status=503, headers=(("Retry-After", "60"),)
    )
    started = time.monotonic()
    assert fetch(http_server, "/busy.yaml").content == BODY
    assert time.monotonic() - started < 5


def test_a_server_slower_than_the_timeout_times_out(http_server: LocalServer) -> None:
    http_server.add("/slow.yaml", BODY, delay=3)
    started = time.monotonic()
    error = fetch_error(http_server, "/slow.yaml")
    assert error.message == "timed out (no answer within 0.5 s; tried 2 times)"
    assert "read_timeout" in (error.hint or "")
    assert time.monotonic() - started < 2.5  # two tries of 0.5 s, not the server's 3 s
    assert http_server.hits["/slow.yaml"] == 2


def test_a_refused_connection_says_so(http_server: LocalServer) -> None:
    http_server.stop()
    error = fetch_error(http_server, "/c.yaml")
    assert error.message == "connection failed (tried 2 times)"
    assert error.hint == "is the host right, and is it up?"


def test_a_body_over_the_cap_is_refused_by_its_content_length(http_server: LocalServer) -> None:
    http_server.add("/big.yaml", b"x" * 2000)
    error = fetch_error(http_server, "/big.yaml", FetchSettings(retries=0, max_bytes=1000))
    assert error.message == "the file is 2000 bytes, over the 1000-byte limit"
    assert "max_bytes" in (error.hint or "")


def test_a_body_over_the_cap_is_refused_while_streaming(http_server: LocalServer) -> None:
    http_server.add("/endless.yaml", b"x" * 200_000, content_length=False)
    error = fetch_error(http_server, "/endless.yaml", FetchSettings(retries=0, max_bytes=1000))
    assert error.message == "the file is over the 1000-byte limit"


def test_a_redirect_is_followed_and_the_final_url_kept(http_server: LocalServer) -> None:
    final = http_server.add("/v2/c.yaml", BODY)
    http_server.add("/c.yaml", redirect="/v2/c.yaml")
    got = fetch(http_server, "/c.yaml")
    assert (got.final_url, got.content) == (final, BODY)


def test_a_redirect_to_plain_http_elsewhere_is_refused_before_connecting(
    http_server: LocalServer,
) -> None:
    http_server.add("/c.yaml", redirect="http://example.invalid/c.yaml")
    started = time.monotonic()
    error = fetch_error(http_server, "/c.yaml")
    assert error.message == (
        "redirected to http://example.invalid/c.yaml: "
        "plain http is not allowed for host 'example.invalid'"
    )
    assert time.monotonic() - started < 1  # no DNS lookup, no connection attempt


def test_a_redirect_loop_ends(http_server: LocalServer) -> None:
    http_server.add("/a.yaml", redirect="/b.yaml")
    http_server.add("/b.yaml", redirect="/a.yaml")
    assert fetch_error(http_server, "/a.yaml").message == "more than 5 redirects"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://example.com/c.yaml", True),
        ("http://127.0.0.1:1/c.yaml", True),
        ("http://[::1]:1/c.yaml", True),
        ("http://localhost/c.yaml", True),
        ("http://artifacts.internal/c.yaml", True),
        ("http://artifacts.internal:8080/c.yaml", True),
        ("http://example.com/c.yaml", False),
        ("ftp://example.com/c.yaml", False),
    ],
)
def test_https_only_unless_loopback_or_allowed(url: str, allowed: bool) -> None:
    settings = FetchSettings(allowed_hosts=frozenset({"artifacts.internal"}))
    if allowed:
        check_url_allowed(url, settings)
    else:
        with pytest.raises(FetchError):
            check_url_allowed(url, settings)


def test_the_token_goes_to_its_host_only(http_server: LocalServer) -> None:
    http_server.add("/private.yaml", BODY)
    http_server.add("/elsewhere.yaml", redirect=f"http://localhost:{http_server.port}/other.yaml")
    http_server.add("/other.yaml", BODY)
    settings = FetchSettings(retries=0, token_env={"127.0.0.1": "TEAM_TOKEN"})
    fetch(http_server, "/private.yaml", settings, TEAM_TOKEN="s3cret")
    fetch(http_server, "/elsewhere.yaml", settings, TEAM_TOKEN="s3cret")
    assert http_server.auth["/private.yaml"] == "Bearer s3cret"
    assert http_server.auth["/elsewhere.yaml"] == "Bearer s3cret"
    assert http_server.auth["/other.yaml"] is None  # redirected to another host name


def test_no_token_when_the_variable_is_unset(http_server: LocalServer) -> None:
    http_server.add("/private.yaml", BODY)
    fetch(http_server, "/private.yaml", FetchSettings(token_env={"127.0.0.1": "TEAM_TOKEN"}))
    assert http_server.auth["/private.yaml"] is None


@pytest.mark.parametrize("parallel", [1, 4])
def test_fetch_many_runs_up_to_parallel_requests_at_once(
    http_server: LocalServer, parallel: int
) -> None:
    urls = [http_server.add(f"/c{i}.yaml", BODY, delay=0.1) for i in range(8)]
    fetcher = Fetcher(FetchSettings(parallel=parallel, retries=0))
    try:
        results = fetcher.fetch_many([*urls, urls[0]])
    finally:
        fetcher.close()
    assert sorted(results) == sorted(urls)
    assert all(isinstance(r, Fetched) for r in results.values())
    assert http_server.max_in_flight == parallel
    assert http_server.hits["/c0.yaml"] == 1  # the same URL twice is fetched once


def test_fetch_many_gives_each_url_its_result_or_its_error(http_server: LocalServer) -> None:
    good = http_server.add("/good.yaml", BODY)
    bad = http_server.url("/missing.yaml")
    fetcher = Fetcher(FAST)
    try:
        results = fetcher.fetch_many([good, bad])
    finally:
        fetcher.close()
    assert isinstance(results[good], Fetched)
    assert isinstance(results[bad], FetchError)


def test_a_proxy_setting_does_not_apply_to_loopback(
    http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    http_server.add("/c.yaml", BODY)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    assert fetch(http_server, "/c.yaml").content == BODY


# ---- deadlines: however slowly a server answers, a fetch ends --------------------------------


def test_a_server_trickling_a_byte_at_a_time_meets_the_deadline(http_server: LocalServer) -> None:
    """Each byte came within the read timeout, so the fetch used to last for ever."""
    http_server.add("/drip.yaml", BODY * 100, trickle=0.1)
    settings = FetchSettings(read_timeout=0.5, total_timeout=1.5, retries=0)
    started = time.monotonic()
    error = fetch_error(http_server, "/drip.yaml", settings)
    assert error.message == (
        "took longer than the 1.5 s allowed for one file (fetch: total_timeout in yamlpipe.yaml)"
    )
    assert time.monotonic() - started < 2.5


def test_retries_of_a_stalled_server_fit_in_one_deadline(http_server: LocalServer) -> None:
    """Four tries of 30 s each took two minutes under a message saying 30 s."""
    http_server.add("/stalled.yaml", BODY, delay=10)
    settings = FetchSettings(read_timeout=1, retries=3, total_timeout=1.5, backoff=0.01)
    started = time.monotonic()
    error = fetch_error(http_server, "/stalled.yaml", settings)
    assert error.message.startswith("took longer than the 1.5 s allowed for one file")
    assert time.monotonic() - started < 2.5
    assert http_server.hits["/stalled.yaml"] == 2  # the second try was cut short


def test_all_fetches_of_a_run_share_one_deadline(http_server: LocalServer) -> None:
    urls = [http_server.add(f"/slow{i}.yaml", BODY, delay=0.6) for i in range(3)]
    fetcher = Fetcher(FetchSettings(parallel=1, retries=0, run_timeout=1.0))
    try:
        results = fetcher.fetch_many(urls)
    finally:
        fetcher.close()
    assert isinstance(results[urls[0]], Fetched)
    late = results[urls[1]]
    assert isinstance(late, FetchError)
    assert late.message == (
        "took longer than the 1 s allowed for all fetches of one run "
        "(fetch: run_timeout in yamlpipe.yaml)"
    )
    assert isinstance(results[urls[2]], FetchError)


# ---- where a token may go ----------------------------------------------------------------------


def test_the_token_is_not_sent_after_a_redirect_from_https_to_plain_http(
    https_server: LocalServer, http_server: LocalServer
) -> None:
    """Same host name, but plain http: the token would cross the network readable."""
    http_server.add("/c.yaml", BODY)
    https_server.add("/private.yaml", BODY)
    https_server.add("/down.yaml", redirect=f"http://localhost:{http_server.port}/c.yaml")
    settings = FetchSettings(retries=0, token_env={"localhost": "TEAM_TOKEN"})
    fetcher = Fetcher(settings, environ={"TEAM_TOKEN": "s3cret"})
    try:
        assert fetcher.fetch(https_server.url("/private.yaml")).content == BODY
        assert fetcher.fetch(https_server.url("/down.yaml")).content == BODY
    finally:
        fetcher.close()
    assert https_server.auth["/private.yaml"] == "Bearer s3cret"
    assert https_server.auth["/down.yaml"] == "Bearer s3cret"
    assert http_server.auth["/c.yaml"] is None


def test_the_token_is_not_sent_to_another_port_of_its_host(http_server: LocalServer) -> None:
    other = LocalServer().start()
    try:
        other.add("/c.yaml", BODY)
        http_server.add("/hop.yaml", redirect=other.url("/c.yaml"))
        settings = FetchSettings(retries=0, token_env={"127.0.0.1": "TEAM_TOKEN"})
        fetch(http_server, "/hop.yaml", settings, TEAM_TOKEN="s3cret")
        assert http_server.auth["/hop.yaml"] == "Bearer s3cret"
        assert other.auth["/c.yaml"] is None
    finally:
        other.stop()


def test_no_token_over_plain_http_to_a_host_that_is_not_this_machine() -> None:
    settings = FetchSettings(
        token_env={"artifacts.internal": "TEAM_TOKEN"},
        allowed_hosts=frozenset({"artifacts.internal"}),
    )
    fetcher = Fetcher(settings, environ={"TEAM_TOKEN": "s3cret"})
    try:
        assert fetcher.headers_for("http://artifacts.internal/c.yaml") == {}
        assert fetcher.headers_for("https://artifacts.internal/c.yaml") == {
            "Authorization": "Bearer s3cret"
        }
    finally:
        fetcher.close()
