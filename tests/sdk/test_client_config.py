"""Client configuration every Python HTTP user expects: proxies (HTTP_PROXY, HTTPS_PROXY,
NO_PROXY), a custom CA bundle, and the Opik SDK's config file, against a real backend
through a real proxy and a real TLS endpoint started by the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import opik_jupyter as oj
from opik_jupyter.sdk import _config
from opik_jupyter.sdk._transport import TransportError
from tests.testlib.backends import BackendProcess
from tests.testlib.http_proxy import RecordingProxy, TlsFront, self_signed_certificate

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingProxy]:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    server = RecordingProxy()
    yield server
    server.close()


def _one_trace(name: str) -> None:
    with oj.start_trace(name, input={"q": name}):
        pass
    assert oj.flush(30).delivered


def test_http_proxy__the_sender_and_the_client_go_through_it(
    traced: oj.Client, proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url.replace("http://", "http://alice:s3cret@"))
    _one_trace("via-proxy")
    client = oj.Client(url=traced.url, project=traced.project)
    found = client.search_traces(project_name=traced.project)
    client.close()

    assert [t["name"] for t in found] == ["via-proxy"]
    methods = {(method, target.split("?")[0]) for method, target, _ in proxy.seen}
    assert ("POST", f"{traced.url}/v1/private/traces/batch") in methods
    assert ("POST", f"{traced.url}/v1/private/traces/search") in methods
    assert {auth for _, _, auth in proxy.seen} == {"Basic YWxpY2U6czNjcmV0"}  # alice:s3cret


def test_no_proxy__exempts_the_backend_host(
    traced: oj.Client, proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "example.com, 127.0.0.1")
    _one_trace("direct")
    assert proxy.seen == []


@pytest.fixture
def tls_backend(
    backend_process: BackendProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Path]]:
    """The backend behind TLS with a self-signed certificate: (https URL, certificate)."""
    cert, key = self_signed_certificate(tmp_path)
    front = TlsFront(backend_process.port, cert, key)
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", *PROXY_VARS):
        monkeypatch.delenv(name, raising=False)
    yield f"https://127.0.0.1:{front.port}/api", cert
    front.close()


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"])
def test_ca_bundle__a_self_signed_backend_is_trusted_only_with_it(
    tls_backend: tuple[str, Path], monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    url, cert = tls_backend
    with oj.Client(url=url) as client, pytest.raises(TransportError, match="CERTIFICATE"):
        client.json("GET", "is-alive/ping")

    monkeypatch.setenv(variable, str(cert))
    with oj.Client(url=url) as client:
        assert client.json("GET", "is-alive/ping")["healthy"] is True


def test_ca_bundle__a_missing_file_is_named(
    tls_backend: tuple[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url, _ = tls_backend
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "nope.pem"))
    with oj.Client(url=url) as client, pytest.raises(TransportError, match=r"nope\.pem"):
        client.json("GET", "is-alive/ping")


def test_https_proxy__tunnels_with_connect(
    tls_backend: tuple[str, Path], proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cert = tls_backend
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    with oj.Client(url=url) as client:
        assert client.json("GET", "is-alive/ping")["healthy"] is True
    port = url.split(":")[2].split("/")[0]
    assert [(m, t) for m, t, _ in proxy.seen] == [("CONNECT", f"127.0.0.1:{port}")]


# -- the Opik SDK's config file ---------------------------------------------------------


def _write_config(path: Path, **values: str) -> Path:
    lines = ["[opik]", *(f"{key} = {value}" for key, value in values.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_config_file__read_from_opik_config_path_below_env_and_configure(
    tmp_path: Path,
) -> None:
    path = _write_config(
        tmp_path / "opik.config",
        url_override="http://team-server:5173/api/",
        project_name="from-file",
        workspace="research",
        api_key="file-key",
    )
    env = {"OPIK_CONFIG_PATH": str(path)}
    from_file = _config.resolve({}, env)
    assert (from_file.url, from_file.project, from_file.workspace, from_file.api_key) == (
        "http://team-server:5173/api",
        "from-file",
        "research",
        "file-key",
    )
    env_wins = _config.resolve({}, {**env, "OPIK_PROJECT_NAME": "from-env"})
    assert (env_wins.project, env_wins.workspace) == ("from-env", "research")
    configure_wins = _config.resolve({"project": "from-call"}, {**env, "OPIK_PROJECT_NAME": "x"})
    assert configure_wins.project == "from-call"


def test_config_file__the_default_path_is_home_dot_opik_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    _write_config(tmp_path / ".opik.config", project_name="home-project")
    assert _config.resolve({}, {}).project == "home-project"


def test_config_file__a_missing_given_path_warns_and_defaults_apply(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="does not exist"):
        config = _config.resolve({}, {"OPIK_CONFIG_PATH": str(tmp_path / "absent")})
    assert config.project == _config.DEFAULT_PROJECT


def test_config_file__a_bad_url_in_it_is_refused_naming_the_setting(tmp_path: Path) -> None:
    path = _write_config(tmp_path / "c", url_override="team-server:5173")
    with pytest.raises(_config.ConfigError, match="setting url"):
        _config.resolve({}, {"OPIK_CONFIG_PATH": str(path)})
