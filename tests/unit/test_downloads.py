"""Fetching a person's file (bot/platforms/downloads.py) from a real local HTTP server: the size
limit holds whatever the server declares, and each failure gets its own answer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from bot.core.shared.errors import UserError
from bot.core.shared.messages import ATTACHMENT_MAX_BYTES
from bot.platforms.downloads import DownloadError, check_declared, download

CSV = b"question,answer\nWhat is 6 x 7?,42\n"
EXPIRED = "the link expired: attach the file again"
HTML = "a sign-in page came back: the app lacks files:read"


async def _chunked(request: web.Request) -> web.StreamResponse:
    """More than the limit, without a Content-Length: only reading shows the size."""
    answer = web.StreamResponse()
    answer.enable_chunked_encoding()
    await answer.prepare(request)
    for _ in range(ATTACHMENT_MAX_BYTES // 65536 + 2):
        await answer.write(b"x" * 65536)
    return answer


async def _cut(request: web.Request) -> web.StreamResponse:
    answer = web.StreamResponse()
    answer.content_length = 1000
    await answer.prepare(request)
    await answer.write(b"x" * 10)
    assert request.transport is not None
    request.transport.close()
    return answer


@pytest.fixture
async def server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/ok", _fixed(lambda: web.Response(body=CSV, content_type="text/csv")))
    app.router.add_get("/gone", _fixed(lambda: web.Response(status=404, text="no longer available")))
    app.router.add_get("/forbidden", _fixed(lambda: web.Response(status=403)))
    app.router.add_get("/broken", _fixed(lambda: web.Response(status=502)))
    app.router.add_get(
        "/signin", _fixed(lambda: web.Response(text="<html>Sign in</html>", content_type="text/html"))
    )
    app.router.add_get("/declared", _fixed(lambda: web.Response(body=b"y" * (ATTACHMENT_MAX_BYTES + 1))))
    app.router.add_get("/chunked", _chunked)
    app.router.add_get("/cut", _cut)
    app.router.add_get("/auth", _auth)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


def _fixed(make: Callable[[], web.Response]) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return make()

    return handler


async def _auth(request: web.Request) -> web.Response:
    if request.headers.get("Authorization") != "Bearer xoxb-good":
        return web.Response(text="<html>Sign in</html>", content_type="text/html")
    return web.Response(body=CSV, content_type="text/csv")


async def test_a_file_comes_back_whole_with_its_name(server: str) -> None:
    got = await download(f"{server}/ok", "pack.csv", expired=EXPIRED)
    assert (got.filename, got.data) == ("pack.csv", CSV)


@pytest.mark.parametrize("path", ["/gone", "/forbidden"])
async def test_an_expired_link_is_answered_with_the_platforms_advice(server: str, path: str) -> None:
    with pytest.raises(DownloadError) as refused:
        await download(server + path, "pack.csv", expired=EXPIRED)
    assert refused.value.message == EXPIRED


async def test_another_failure_names_the_status(server: str) -> None:
    with pytest.raises(DownloadError) as refused:
        await download(f"{server}/broken", "pack.csv", expired=EXPIRED)
    assert "answered 502" in refused.value.message and "try again" in refused.value.message


async def test_a_connection_cut_mid_body_is_named_as_such(server: str) -> None:
    with pytest.raises(DownloadError) as refused:
        await download(f"{server}/cut", "pack.csv", expired=EXPIRED)
    assert refused.value.message == "the download of pack.csv was cut off before the end: try again."


@pytest.mark.parametrize("path", ["/declared", "/chunked"])
async def test_more_than_the_limit_is_refused_declared_or_not(server: str, path: str) -> None:
    with pytest.raises(DownloadError) as refused:
        await download(server + path, "big.csv", expired=EXPIRED)
    assert refused.value.message.startswith("big.csv is 2.0 MB: a pack file may be at most 2 MB")


async def test_an_html_page_instead_of_the_file_is_refused_only_when_asked(server: str) -> None:
    with pytest.raises(DownloadError) as refused:
        await download(f"{server}/auth", "pack.csv", expired=EXPIRED, html=HTML)
    assert refused.value.message == HTML
    good = await download(
        f"{server}/auth",
        "pack.csv",
        expired=EXPIRED,
        html=HTML,
        headers={"Authorization": "Bearer xoxb-good"},
    )
    assert good.data == CSV
    page = await download(f"{server}/signin", "page.html", expired=EXPIRED)  # an HTML pack file is a file
    assert page.data.startswith(b"<html>")


async def test_an_unreachable_server_is_a_refusal_not_a_crash() -> None:
    with pytest.raises(DownloadError) as refused:
        await download("http://127.0.0.1:9/none", "pack.csv", expired=EXPIRED)
    assert "could not be fetched" in refused.value.message


@given(name=st.text(max_size=300), size=st.integers(min_value=0, max_value=10**12))
def test_the_declared_size_decides_before_any_download(name: str, size: int) -> None:
    if size <= ATTACHMENT_MAX_BYTES:
        check_declared(name, size)
        return
    with pytest.raises(DownloadError) as refused:
        check_declared(name, size)
    said = refused.value.message
    assert "at most 2 MB" in said and "@" not in said.replace("\\@", "")  # a name never pings
    check_declared(name, None)  # an unknown size is measured while reading instead


async def test_the_slack_token_goes_only_to_slacks_file_host(server: str) -> None:
    """A file object whose link names another host (a forged or odd event) is refused before any
    request: the bot token in its Authorization header would go there with it."""
    from bot.platforms.slack.pack_files import fetch, token_hosts

    async def no_info(file_id: str) -> dict[str, object]:
        raise AssertionError("not asked")

    hosts = token_hosts("https://slack.com/api/")
    assert hosts == frozenset({"files.slack.com", "slack.com"})
    for url in (f"{server}/auth", "https://files.slack.com.example.net/x.csv", "file:///etc/passwd"):
        file = {"name": "x.csv", "size": 10, "url_private_download": url}
        with pytest.raises(UserError, match="is not a file kept by Slack"):
            await fetch(file, "xoxb-secret", no_info, hosts)
    local = token_hosts(server + "/api/")  # the emulator's, in tests
    got = await fetch(
        {"name": "x.csv", "size": 10, "url_private_download": f"{server}/ok"}, "t", no_info, local
    )
    assert got.data == CSV
