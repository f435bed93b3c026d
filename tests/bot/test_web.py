"""The newsroom HTTP API, health, metrics and the Telegram webhook, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from sqlalchemy import create_engine
from telegram import Update
from telegram.ext import Application

from bot.bootstrap import open_knowledge
from bot.cli import main
from bot.web import build_web_app, openapi_document
from bot.webhook_secret import webhook_secret_token
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.formats.claimreview import from_claimreviews
from knowledge.matching.matcher import Matcher
from knowledge.newsroom import api_keys
from knowledge.settings import DEVELOPMENT_SECRET, Settings, weak_secret
from tests.support.asgi_server import serve
from tests.support.workers import free_port

NATO_CLAIM = "В Алматы открыли центр НАТО"
NATO_SLUG = "nato-centre-almaty"
WEBHOOK_SECRET = "webhook-secret-for-tests"


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "semantic": False,
        "webhook_secret": WEBHOOK_SECRET,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(sqlite_url)


def new_key(kb: KnowledgeBase, name: str = "newsroom") -> str:
    with kb.session() as session:
        _, key = api_keys.create_api_key(session, name=name)
        session.commit()
    return key


@pytest.fixture
def key(kb: KnowledgeBase) -> str:
    return new_key(kb)


@pytest.fixture
def api(settings: Settings, kb: KnowledgeBase) -> Iterator[httpx.Client]:
    with serve(build_web_app(settings, kb)) as url, httpx.Client(base_url=url) as client:
        yield client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def refused_check(api: httpx.Client, key: str, body: bytes) -> str:
    """The error of a check with this request body, which must be refused with 400."""
    response = api.post("/api/v1/check", content=body, headers=bearer(key))
    assert response.status_code == 400
    return str(response.json()["error"])


# ------------------------------------------------------------------ checking


def test_check_answers_like_the_command_line(
    api: httpx.Client,
    key: str,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    response = api.post("/api/v1/check", json={"text": NATO_CLAIM}, headers=bearer(key))
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "match"
    assert body["matches"][0]["slug"] == NATO_SLUG
    assert body["matches"][0]["verdict"] == "false"

    monkeypatch.setenv("TEKSER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TEKSER_SEMANTIC", "false")
    assert main(["check", "--json", NATO_CLAIM]) == 0
    assert body == json.loads(capsys.readouterr().out)


def test_a_check_carries_exactly_the_fields_its_schema_describes(
    api: httpx.Client, key: str, settings: Settings
) -> None:
    """A newsroom reading the OpenAPI description learns every field of a match, the stance
    (a refuting message agrees with the debunk) included."""
    schema = openapi_document(settings)["components"]["schemas"]["CheckResult"]
    match_schema = schema["properties"]["matches"]["items"]
    strict = {
        **schema,
        "properties": {
            **schema["properties"],
            "matches": {"type": "array", "items": {**match_schema, "additionalProperties": False}},
        },
    }
    for text in (NATO_CLAIM, "В Алматы не открывали никакого центра НАТО"):
        body = api.post("/api/v1/check", json={"text": text}, headers=bearer(key)).json()
        assert body["matches"]
        jsonschema.validate(body, strict)
    assert body["matches"][0]["stance"] == "refutes"


def test_check_takes_the_key_from_x_api_key_too(api: httpx.Client, key: str) -> None:
    response = api.post(
        "/api/v1/check", json={"text": "Hello, how are you?", "top": 1}, headers={"X-API-Key": key}
    )
    assert response.status_code == 200
    assert response.json()["verdict"] == "none"
    assert len(response.json()["matches"]) <= 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "not valid JSON"),
        (b'["a list"]', '{"text"'),
        (b'{"text": 5}', '{"text"'),
        (b'{"text": "   "}', "nothing to check"),
        (b'{"text": "x", "top": 0}', "top must be"),
        (b'{"text": "x", "top": true}', "top must be"),
        (b'{"text": "x", "lang": 7}', "lang must be"),
        ('{"text": "\xff"}'.encode("latin-1"), "not valid JSON"),
    ],
)
def test_a_malformed_check_gets_400_with_one_line(
    api: httpx.Client, key: str, body: bytes, error: str
) -> None:
    assert error in refused_check(api, key, body)


# ------------------------------------------------------------------ keys, limits, sizes


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer tk_not-a-real-key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": "wrong"},
    ],
)
def test_without_a_valid_key_the_answer_is_401(
    api: httpx.Client, key: str, headers: dict[str, str]
) -> None:
    for response in (
        api.post("/api/v1/check", json={"text": NATO_CLAIM}, headers=headers),
        api.get(f"/api/v1/debunks/{NATO_SLUG}", headers=headers),
    ):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert "error" in response.json()


def test_a_revoked_key_is_refused_at_once(api: httpx.Client, kb: KnowledgeBase, key: str) -> None:
    assert api.get(f"/api/v1/debunks/{NATO_SLUG}", headers=bearer(key)).status_code == 200
    with kb.session() as session:
        api_keys.revoke_api_key(session, name="newsroom")
        session.commit()
    assert api.get(f"/api/v1/debunks/{NATO_SLUG}", headers=bearer(key)).status_code == 401


def wait_out_the_minute_boundary() -> None:
    """The limit counts per calendar minute: do not start a burst in its last seconds."""
    if time.time() % 60 > 55:
        time.sleep(60 - time.time() % 60 + 0.1)


def test_each_key_has_its_own_limit_and_429_says_when_to_retry(
    sqlite_url: str, kb: KnowledgeBase
) -> None:
    limited = make_settings(sqlite_url, api_requests_per_minute=3)
    first, second = new_key(kb, "first"), new_key(kb, "second")
    with serve(build_web_app(limited, kb)) as url, httpx.Client(base_url=url) as client:
        wait_out_the_minute_boundary()
        codes = [
            client.get(f"/api/v1/debunks/{NATO_SLUG}", headers=bearer(first)).status_code
            for _ in range(4)
        ]
        refused = client.post("/api/v1/check", json={"text": "x"}, headers=bearer(first))
        other = client.get(f"/api/v1/debunks/{NATO_SLUG}", headers=bearer(second))
    assert codes == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "3 requests per minute" in refused.json()["error"]
    assert other.status_code == 200


def test_a_body_over_the_limit_gets_413(sqlite_url: str, kb: KnowledgeBase, key: str) -> None:
    small = make_settings(sqlite_url, api_max_body_bytes=2048)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server must count itself
        yield b'{"text": "'
        for _ in range(100):
            yield b"a" * 1024
        yield b'"}'

    with serve(build_web_app(small, kb)) as url, httpx.Client(base_url=url) as client:
        declared = client.post("/api/v1/check", json={"text": "a" * 3000}, headers=bearer(key))
        streamed = client.post("/api/v1/check", content=chunks(), headers=bearer(key))
        fits = client.post("/api/v1/check", json={"text": "a" * 1500}, headers=bearer(key))
    assert declared.status_code == 413 and "2048 bytes" in declared.json()["error"]
    assert streamed.status_code == 413
    assert fits.status_code == 200


# ------------------------------------------------------------------ debunks


def test_a_debunk_comes_with_its_claimreview(api: httpx.Client, key: str) -> None:
    response = api.get(f"/api/v1/debunks/{NATO_SLUG}", headers=bearer(key))
    assert response.status_code == 200
    card = response.json()
    assert card["slug"] == NATO_SLUG and card["verdict"] == "false"
    assert card["titles"]["ru"] and card["disproofs"] and card["sources"]
    reviews = card["claimreview"]
    assert {r["@type"] for r in reviews} == {"ClaimReview"}
    assert {r["inLanguage"] for r in reviews} >= set(card["titles"])
    entries, problems = from_claimreviews(reviews)  # a newsroom can import it back
    assert problems == [] and [e["slug"] for e in entries] == [NATO_SLUG]


def test_unknown_and_unpublished_debunks_are_404(
    api: httpx.Client, kb: KnowledgeBase, key: str
) -> None:
    assert api.get("/api/v1/debunks/no-such-debunk", headers=bearer(key)).status_code == 404
    with kb.session() as session:
        from knowledge.debunks import storage

        debunk = storage.get_debunk(session, slug=NATO_SLUG)
        assert debunk is not None
        debunk.status = "draft"
        session.add(debunk)
        session.commit()
    response = api.get(f"/api/v1/debunks/{NATO_SLUG}", headers=bearer(key))
    assert response.status_code == 404 and "error" in response.json()


def test_the_openapi_description_covers_both_endpoints(api: httpx.Client) -> None:
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.1")
    assert set(spec["paths"]) == {"/api/v1/check", "/api/v1/debunks/{slug}"}
    check = spec["paths"]["/api/v1/check"]["post"]
    assert {"200", "400", "401", "413", "429"} <= set(check["responses"])
    assert spec["components"]["securitySchemes"]["apiKey"]["name"] == "X-API-Key"
    for ref in _refs(spec):
        name = ref.removeprefix("#/components/schemas/")
        assert name in spec["components"]["schemas"], ref


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


# ------------------------------------------------------------------ health and metrics


def test_health_and_readiness(api: httpx.Client, kb: KnowledgeBase) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "database": True,
        "index": True,
        "debunks": len(kb.matcher),
    }
    assert len(kb.matcher) > 0


def test_not_ready_until_the_index_is_loaded(settings: Settings) -> None:
    kb = open_knowledge(settings, load=False)
    with serve(build_web_app(settings, kb)) as url:
        response = httpx.get(f"{url}/readyz")
        assert response.status_code == 503
        assert response.json()["index"] is False and response.json()["database"] is True
        kb.reload()
        assert httpx.get(f"{url}/readyz").status_code == 200
        assert httpx.get(f"{url}/healthz").status_code == 200
    kb.close()


def test_not_ready_without_the_database(settings: Settings) -> None:
    port = free_port()  # a port nobody listens on
    engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/none")
    kb = KnowledgeBase(engine, Matcher())
    kb.loaded = True
    with serve(build_web_app(settings, kb)) as url:
        response = httpx.get(f"{url}/readyz")
        assert httpx.get(f"{url}/healthz").status_code == 200
    assert response.status_code == 503
    assert response.json()["database"] is False and response.json()["status"] == "not ready"


def metric(text: str, name: str) -> float:
    """The value of one series (`name` with its labels) in the Prometheus text; 0 if absent."""
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            if series == name:
                return float(value)
    return 0.0


def test_metrics_count_checks_by_verdict_and_report_the_index(
    api: httpx.Client, kb: KnowledgeBase, key: str
) -> None:
    before = api.get("/metrics").text
    match_series = 'tekser_checks_total{source="api",verdict="match"}'
    denied_series = 'tekser_api_requests_total{endpoint="check",status="401"}'
    api.post("/api/v1/check", json={"text": NATO_CLAIM}, headers=bearer(key))
    api.post("/api/v1/check", json={"text": NATO_CLAIM})
    response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = response.text
    assert metric(after, match_series) == metric(before, match_series) + 1
    assert metric(after, denied_series) == metric(before, denied_series) + 1
    assert metric(after, "tekser_index_debunks") == len(kb.matcher)
    assert 'tekser_check_seconds_bucket{le="0.005",source="api"}' in after
    assert "process_resident_memory_bytes" in after
    for name in ("tekser_updates_total", "tekser_errors_total", "tekser_update_seconds"):
        assert f"# TYPE {name.removesuffix('_total')}" in after


# ------------------------------------------------------------------ the Telegram webhook


UPDATE = {
    "update_id": 7001,
    "message": {
        "message_id": 5,
        "date": 1_700_000_000,
        "chat": {"id": 42, "type": "private", "first_name": "Aru"},
        "from": {"id": 42, "is_bot": False, "first_name": "Aru"},
        "text": NATO_CLAIM,
    },
}


@pytest.fixture
def telegram_app() -> Any:
    """A real Application whose handling is recorded: handled updates land in update_queue."""
    application = Application.builder().token("123456:TEST-token").updater(None).build()

    async def handled(update: object) -> None:
        await application.update_queue.put(update)

    application.process_update = handled  # type: ignore[method-assign]
    return application


@pytest.fixture
def webhook(settings: Settings, kb: KnowledgeBase, telegram_app: Any) -> Iterator[httpx.Client]:
    app = build_web_app(settings, kb, telegram_app=telegram_app)
    with serve(app) as url, httpx.Client(base_url=url) as client:
        yield client


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", WEBHOOK_SECRET + "x"])
def test_the_webhook_refuses_updates_without_the_secret(
    webhook: httpx.Client, telegram_app: Any, secret: str | None
) -> None:
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    response = webhook.post("/telegram", json=UPDATE, headers=headers)
    assert response.status_code == 403
    assert telegram_app.update_queue.empty()


def test_the_webhook_handles_updates_before_answering(
    webhook: httpx.Client, telegram_app: Any
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    response = webhook.post("/telegram", json=UPDATE, headers=headers)
    assert response.status_code == 200
    update = telegram_app.update_queue.get_nowait()
    assert isinstance(update, Update)
    assert update.update_id == 7001
    assert update.message is not None and update.message.text == NATO_CLAIM
    assert update.get_bot() is telegram_app.bot
    assert webhook.post("/telegram", content=b"{oops", headers=headers).status_code == 400
    assert webhook.post("/telegram", json=[1], headers=headers).status_code == 400
    assert telegram_app.update_queue.empty()
    assert webhook.get("/api/v1/openapi.json").status_code == 200  # the API on the same port


def test_the_webhook_path_is_a_setting(
    sqlite_url: str, kb: KnowledgeBase, telegram_app: Any
) -> None:
    settings = make_settings(sqlite_url, webhook_path="/hook/abc")
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    with serve(build_web_app(settings, kb, telegram_app=telegram_app)) as url:
        assert httpx.post(f"{url}/hook/abc", json=UPDATE, headers=headers).status_code == 200
        assert httpx.post(f"{url}/telegram", json=UPDATE, headers=headers).status_code == 404


def test_without_a_bot_there_is_no_webhook(api: httpx.Client) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    assert api.post("/telegram", json=UPDATE, headers=headers).status_code == 404


def test_readiness_includes_the_bot_when_there_is_one(
    webhook: httpx.Client, telegram_app: Any
) -> None:
    response = webhook.get("/readyz")
    assert response.status_code == 503 and response.json()["telegram"] is False


def test_without_a_webhook_secret_one_is_derived_from_the_deployment_secret(
    sqlite_url: str,
) -> None:
    one = make_settings(sqlite_url, webhook_secret=None, secret="deployment-secret-1")
    same = make_settings(sqlite_url, webhook_secret=None, secret="deployment-secret-1")
    other = make_settings(sqlite_url, webhook_secret=None, secret="deployment-secret-2")
    token = webhook_secret_token(one)
    assert token == webhook_secret_token(same) != webhook_secret_token(other)
    assert "deployment-secret" not in token and len(token) == 64
    assert webhook_secret_token(make_settings(sqlite_url)) == WEBHOOK_SECRET


# ------------------------------------------------------------------ `tekser api`


def test_tekser_api_serves_alone_logs_json_and_stops_cleanly_on_sigterm(
    tmp_path: Path, sqlite_url: str
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "TEKSER_DATABASE_URL": sqlite_url,
        "TEKSER_SEMANTIC": "false",
        "TEKSER_LISTEN": "127.0.0.1",
        "TEKSER_API_PORT": str(port),
        "TEKSER_LOG_FORMAT": "json",
        "TEKSER_SECRET": "a-deployment-secret-value-of-32-chars-or-more",
    }
    seed = subprocess.run(
        [sys.executable, "-m", "bot", "seed"], env=env, cwd=tmp_path, capture_output=True
    )
    assert seed.returncode == 0, seed.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "api"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "tekser api did not become ready"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    records = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert "a-deployment-secret-value-of-32-chars-or-more" not in stderr


# ------------------------------------------------------------ hostile and schema-valid requests

DEEP = b"[" * 2000 + b"]" * 2000
DEEP_OBJECT = b'{"text": ' + b'{"a": ' * 3000 + b"1" + b"}" * 3000 + b"}"
HUGE_NUMBER = b'{"text": "x", "top": ' + b"7" * 5000 + b"}"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (DEEP, "nested too deeply"),
        (DEEP_OBJECT, "nested too deeply"),
        (HUGE_NUMBER, "not valid JSON"),
        (b'{"text": "\\ud800 NATO"}', "not valid Unicode"),
        (b'{"text": "x", "lang": "\\udfff"}', "lang must be"),
    ],
)
def test_hostile_json_gets_400_not_500(
    api: httpx.Client, key: str, body: bytes, error: str
) -> None:
    assert error in refused_check(api, key, body)


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, HUGE_NUMBER])
def test_the_webhook_refuses_hostile_json_with_400(webhook: httpx.Client, body: bytes) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    assert webhook.post("/telegram", content=body, headers=headers).status_code == 400


SCHEMA_VALID = [
    {"text": NATO_CLAIM, "top": 10.0},
    {"text": NATO_CLAIM, "top": 1},
    {"text": NATO_CLAIM, "lang": "en-GB-oxendict"},
    {"text": NATO_CLAIM, "lang": "kk-KZ"},
    {"text": NATO_CLAIM, "lang": ""},
    {"text": "x\u0000y"},
    {"text": " a "},
]
SCHEMA_INVALID = [
    {"text": "   "},
    {"text": "\n\t"},
    {"text": ""},
    {"text": NATO_CLAIM, "top": 10.5},
    {"text": NATO_CLAIM, "top": 11},
    {"text": NATO_CLAIM, "top": True},
    {"text": NATO_CLAIM, "lang": "x" * 36},
    {"top": 3},
]


@pytest.mark.parametrize(
    ("body", "valid"),
    [(body, True) for body in SCHEMA_VALID] + [(body, False) for body in SCHEMA_INVALID],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else str(value),
)
def test_validation_and_the_openapi_schema_agree(
    api: httpx.Client, key: str, settings: Settings, body: dict[str, Any], valid: bool
) -> None:
    schema = openapi_document(settings)["components"]["schemas"]["Query"]
    assert jsonschema.Draft202012Validator(schema).is_valid(body) == valid
    response = api.post("/api/v1/check", json=body, headers=bearer(key))
    assert response.status_code == (200 if valid else 400), response.text


def test_a_language_tag_picks_its_language(api: httpx.Client, key: str) -> None:
    def title(lang: str) -> str:
        body = {"text": NATO_CLAIM, "lang": lang}
        answer = api.post("/api/v1/check", json=body, headers=bearer(key)).json()
        return str(answer["matches"][0]["title"])

    assert title("kk-KZ") == title("kk") != title("en")


# What anyone who reads the source can compute: the webhook secret of the development value.
FORGED = hmac.new(DEVELOPMENT_SECRET.encode(), b"telegram-webhook", hashlib.sha256).hexdigest()
STRONG = "Jx3kQ9vT2mW7pL4sN8rB5yH1cF6gD0aZ-strong_deployment"
STRONG_WEBHOOK = "Wq8Lr2Kd7Tn4Ys9Hm3Pc6Vb1Xf5Jg0Az_webhook-token"
CONFIGURATIONS: dict[str, dict[str, Any]] = {
    "derived from TEKSER_SECRET": {"secret": STRONG, "webhook_secret": None},
    "explicit webhook secret": {"secret": STRONG, "webhook_secret": STRONG_WEBHOOK},
    "several workers": {"secret": STRONG, "webhook_secret": STRONG_WEBHOOK, "workers": 2},
}


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_a_forged_update_is_refused_in_every_configuration_that_starts(
    sqlite_url: str, kb: KnowledgeBase, telegram_app: Any, configuration: str
) -> None:
    """The development secret itself never starts (tests/bot/test_secrets.py); every
    configuration that does refuses updates without its own secret."""
    settings = make_settings(
        sqlite_url, webhook_url="https://bot.example/hook", **CONFIGURATIONS[configuration]
    )
    assert weak_secret(settings) is None  # this configuration may start
    development = make_settings(sqlite_url, webhook_secret=None, secret=DEVELOPMENT_SECRET)
    forgeries = [None, "", FORGED, FORGED.upper(), webhook_secret_token(development)]
    with serve(build_web_app(settings, kb, telegram_app=telegram_app)) as url:
        for forged in forgeries:
            headers = {} if forged is None else {"X-Telegram-Bot-Api-Secret-Token": forged}
            assert httpx.post(f"{url}/telegram", json=UPDATE, headers=headers).status_code == 403
        assert telegram_app.update_queue.empty()
        real = {"X-Telegram-Bot-Api-Secret-Token": webhook_secret_token(settings)}
        assert httpx.post(f"{url}/telegram", json=UPDATE, headers=real).status_code == 200
    assert not telegram_app.update_queue.empty()
