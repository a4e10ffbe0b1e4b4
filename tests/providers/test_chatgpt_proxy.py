"""ChatGpt sends every request, the warm-up included, through a real proxy (tinyproxy)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from providers.http import new_client_session
from providers.seeds.chatgpt import ChatGpt
from tests.emulators.chatgpt import CONVERSATION, REQUIREMENTS, ChatGptEmulator
from tests.emulators.common import text_of
from tests.emulators.proxy import Tinyproxy

HI = [{"role": "user", "content": "Hi"}]


@pytest.fixture(scope="module")
def tinyproxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tinyproxy]:
    with Tinyproxy(tmp_path_factory.mktemp("chatgpt-proxy")) as proxy:
        yield proxy


@pytest.mark.parametrize("with_app_session", [False, True])
async def test_every_request_goes_through_the_proxy(
    tinyproxy: Tinyproxy, with_app_session: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # an explicit proxy must still win
    async with ChatGptEmulator(encoding="delta") as site, new_client_session() as session:
        # WORKAROUND for https://github.com/tinyproxy/tinyproxy/issues/403: Debian's tinyproxy
        # 1.11.1 forwards only the first Set-Cookie of a plain-HTTP reply (HTTPS tunnels, as
        # to chatgpt.com, are not touched), so the emulator sets one cookie here.
        site.with_cf_bm = False
        provider = ChatGpt.with_base_url(site.url)
        stream = provider.create_async_generator(
            "auto", HI, proxy=tinyproxy.url, session=session if with_app_session else None
        )
        assert text_of([c async for c in stream]) == "ha ha ha! [user] You said: Hi ha ha"
    assert site.problems == []
    for line in (
        f"GET {site.url}/",
        f"POST {site.url}{REQUIREMENTS}",
        f"POST {site.url}{CONVERSATION}",
    ):
        assert await tinyproxy.logged(f"{line} HTTP/1.1"), line
    assert [s.path for s in site.seen] == ["/", REQUIREMENTS, CONVERSATION]
    assert all("tinyproxy" in s.headers.get("Via", "") for s in site.seen)
