"""The `tekser` command line: check claims, import and export debunks, migrate, run the bot."""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.logging_setup import configure_logging
from knowledge.debunks.checking import check_payload
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.formats.registry import FORMATS, ExchangeError, read_file, read_files
from knowledge.matching.languages import text_language
from knowledge.matching.matcher import MatchResult
from knowledge.moderation.audit import SHELL
from knowledge.settings import Settings, SettingsError, load_settings, weak_secret

if TYPE_CHECKING:
    from handlers.context import Services

log = logging.getLogger("tekser")
SECRET_BYTES = 48  # `tekser secret`: 64 URL-safe characters, fit for the webhook secret too


class CommandError(Exception):
    """A command cannot do what was asked; the message is one line for the user."""


def _version() -> str:
    try:
        return metadata.version("tekser")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tekser", description="Tekser: a Telegram fact-check assistant."
    )
    parser.add_argument("--version", action="version", version=f"tekser {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="match a claim against the base")
    check.add_argument("text", nargs="?", help="the claim; without it, one query per stdin line")
    check.add_argument("--json", action="store_true", help="one JSON object per query")
    check.add_argument("--top", type=int, default=3, help="candidates to list (default 3)")
    check.add_argument(
        "--lang", choices=("en", "ru", "kk"), help="language (default: the query's; --json: en)"
    )
    check.add_argument(
        "--image", nargs="+", type=Path, metavar="PATH",
        help="check pictures (screenshots, memes, photos) instead: one answer per picture",
    )  # fmt: skip

    imp = commands.add_parser("import", help="import debunk packs, ClaimReview or EUvsDisinfo CSV")
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    imp.add_argument("--format", choices=FORMATS, help="detected from the content when not given")
    imp.add_argument(
        "--skip-invalid", action="store_true", help="import the valid entries, list the rest"
    )
    imp.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    imp.add_argument(
        "--replace",
        action="store_true",
        help="update debunks even where the file lacks claim wordings the base holds",
    )

    commands.add_parser(
        "embed",
        help="embed the wordings that have no stored vector yet and keep the matching index "
        "(`import` does it; this resumes an interrupted run)",
    )

    exp = commands.add_parser("export", help="export the base")
    exp.add_argument("--format", choices=("pack", "claimreview"), default="pack")
    exp.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")

    commands.add_parser("seed", help="import the bundled seed pack")
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply schema migrations")
    commands.add_parser("run", help="start the Telegram bot")
    commands.add_parser("secret", help="print a fresh random secret (TEKSER_SECRET and the like)")

    # --- production: newsroom API keys and the HTTP API on its own ---
    apikey = commands.add_parser("apikey", help="manage newsroom API keys")
    apikey_commands = apikey.add_subparsers(dest="apikey_command", required=True, metavar="ACTION")
    create_key = apikey_commands.add_parser("create", help="create a key (shown once)")
    create_key.add_argument("name", help="who the key is for, e.g. newsroom-kz")
    apikey_commands.add_parser("list", help="list keys (names and dates, never the keys)")
    revoke_key = apikey_commands.add_parser("revoke", help="revoke a key at once")
    revoke_key.add_argument("name")
    api = commands.add_parser(
        "web", aliases=["api"], help="serve the public site and the newsroom HTTP API"
    )
    api.add_argument("--port", type=int, help="port (default TEKSER_API_PORT, 8080)")

    # --- pictures attached to debunks ---
    image = commands.add_parser("image", help="pictures a debunked claim travels with")
    image_commands = image.add_subparsers(dest="image_command", required=True, metavar="ACTION")
    add_image = image_commands.add_parser("add", help="attach a picture: copies of it will match")
    add_image.add_argument("slug")
    add_image.add_argument("path", type=Path, metavar="PATH")
    add_image.add_argument("--name", default="", help="how answers name it (default: file name)")
    list_images = image_commands.add_parser("list", help="a debunk's attached pictures")
    list_images.add_argument("slug")

    # --- moderation: roles from the shell ---
    moderator = commands.add_parser("moderator", help="manage moderators (admins and editors)")
    moderator_commands = moderator.add_subparsers(
        dest="moderator_command", required=True, metavar="ACTION"
    )
    add_moderator = moderator_commands.add_parser("add", help="grant a role to a Telegram user id")
    add_moderator.add_argument("user_id", type=int, metavar="ID")
    add_moderator.add_argument("--role", choices=("admin", "editor"), default="editor")
    add_moderator.add_argument("--name", default="", help="how the list shows them")
    remove_moderator = moderator_commands.add_parser("remove", help="take the role away")
    remove_moderator.add_argument("user_id", type=int, metavar="ID")
    moderator_commands.add_parser("list", help="owners (TEKSER_OWNER_IDS), admins and editors")
    term = commands.add_parser("term", help="the glossary's ru/kk/en terms moderators add (/term)")
    term_commands = term.add_subparsers(dest="term_command", required=True, metavar="ACTION")
    add_term = term_commands.add_parser("add", help="add a group of equivalent words")
    add_term.add_argument(
        "group", metavar="GROUP", help='"ru: прививка, вакцина; kk: екпе; en: vaccine"'
    )
    term_commands.add_parser("list", help="the groups added, numbered")
    remove_term = term_commands.add_parser("remove", help="remove a group by its number")
    remove_term.add_argument("group_id", type=int, metavar="N")
    return parser


def _open_base(settings: Settings, *, load: bool = False) -> KnowledgeBase:
    from bot.bootstrap import open_knowledge

    return open_knowledge(settings, load=load)


@contextmanager
def _services(settings: Settings) -> Iterator[Services]:
    """The bot's own services on the configured database (closed afterwards): the command line
    is the owners' console, `knowledge.moderation.audit.SHELL`, with an owner's rights."""
    from bot.services import compose_services

    kb = _open_base(settings)
    try:
        yield compose_services(settings, kb)
    finally:
        kb.close()


def _queries(text: str | None, stream: TextIO) -> Iterator[str]:
    if text is not None:
        yield text
        return
    for line in stream:
        yield line.rstrip("\r\n")


def _as_json(result: MatchResult, kb: KnowledgeBase, lang: str) -> str:
    return json.dumps(check_payload(result, kb, lang), ensure_ascii=False)


def _as_card(result: MatchResult, kb: KnowledgeBase, lang: str) -> str:
    lines = [f"Query: {result.query}", f"Verdict: {result.verdict}"]
    # the card the bot would show: the first candidate decided as the verdict (a "match" verdict
    # may come from a debunk restating the one ranked first)
    best = next((m for m in result.matches if m.decision == result.verdict), None)
    if best is not None and result.verdict != "none":
        card = kb.card(best.slug)
        if card is not None:
            lines += [
                f"Debunk: {card.slug} ({card.verdict})",
                f"Claim: {card.title(lang)}",
                f"Disproof: {card.disproof(lang)}",
            ]
            lines += [
                f"Source: {s.title or s.publisher}" + (f" <{s.url}>" if s.url else "")
                for s in card.sources
            ]
    lines += [
        _ranked_line(rank, m.slug, m.score, m.decision, m.restates)
        for rank, m in enumerate(result.matches, start=1)
    ]
    return "\n".join(lines)


def _ranked_line(rank: int, slug: str, score: float, decision: str, restates: str | None) -> str:
    """One candidate of the ranked list, as `tekser check` prints it for a text or a picture."""
    note = f"  (restates {restates})" if restates else ""
    return f"  {rank}. {slug}  score={score:.3f}  {decision}{note}"


def _seed_if_empty(kb: KnowledgeBase) -> None:
    """A first `tekser check` or `tekser image add` works as after a first `tekser run`."""
    if seeded := kb.seed_if_empty():
        print(f"The base was empty: imported the bundled seed pack ({seeded} debunks).",
              file=sys.stderr)  # fmt: skip


def checking_base(settings: Settings) -> KnowledgeBase:
    """The base as the bot matches it (semantic with the extra), read from the kept index; what
    lacks vectors is not embedded here (minutes on a large base): it says so, in one line."""
    from bot.bootstrap import open_knowledge

    kb = open_knowledge(settings, load=False, semantic=settings.semantic)
    _seed_if_empty(kb)
    kb.reload(embed_missing=False)
    if kb.matcher.semantic_pending:
        print(
            f"{kb.matcher.semantic_pending} wordings have no vectors yet: matching by their words "
            "only (`tekser embed` embeds them).",
            file=sys.stderr,
        )
    return kb


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    if args.top < 1 or args.top > 50:
        raise CommandError("--top takes a number from 1 to 50")
    if args.image:
        return _check_pictures(args, settings)
    kb = checking_base(settings)
    render = _as_json if args.json else _as_card
    for query in _queries(args.text, sys.stdin):
        # the card in the query's language; JSON in English unless asked, as the HTTP API answers
        lang = args.lang or ("en" if args.json else text_language(query) or "en")
        print(render(kb.check(query, top=args.top), kb, lang), flush=args.text is None)
    return 0


def _picture_bytes(path: Path, settings: Settings) -> bytes:
    limit = settings.picture_max_bytes
    return read_file(path, limit=limit, limit_name="TEKSER_PICTURE_MAX_BYTES", kind="a picture")


def _picture_card(payload: dict[str, Any]) -> str:
    lines = [f"Picture: {payload['query']}", f"Text read: {payload['text'] or '(none)'}"]
    lines.append(f"Verdict: {payload['verdict']}")
    picture = payload.get("picture")
    if picture:
        lines.append(f"A copy of {picture['name'] or 'a picture'} attached to {picture['slug']}")
    lines += [
        _ranked_line(rank, m["slug"], m["score"], m["decision"], m.get("restates"))
        for rank, m in enumerate(payload["matches"], start=1)
    ]
    return "\n".join(lines)


def _check_pictures(args: argparse.Namespace, settings: Settings) -> int:
    """`tekser check --image PATH...`: one answer per picture; a picture that cannot be read
    gets one line on stderr (and exit status 1), the others are still checked."""
    from knowledge.images.checking import picture_payload
    from knowledge.images.index import PictureIndex
    from knowledge.images.ocr import OcrUnavailable
    from knowledge.images.reading import UndecodablePicture, load_reader, read_picture

    try:
        load_reader(settings.ocr_languages)
    except OcrUnavailable as exc:
        raise CommandError(str(exc)) from None
    kb = checking_base(settings)
    index = PictureIndex(kb.engine)
    failed = 0
    for path in args.image:
        try:
            reading = read_picture(_picture_bytes(path, settings), languages=settings.ocr_languages)
        except (CommandError, UndecodablePicture) as exc:
            reason = exc if isinstance(exc, CommandError) else f"{path}: not a picture I can read"
            print(f"tekser: {reason}", file=sys.stderr)
            failed += 1
            continue
        lang = args.lang or text_language(reading.text) or "en"
        payload = picture_payload(kb, index, reading, query=str(path), top=args.top, lang=lang)
        text = json.dumps(payload, ensure_ascii=False) if args.json else _picture_card(payload)
        print(text, flush=True)
    return 1 if failed else 0


def cmd_image(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.images.hashing import DEFAULT_KIND
    from knowledge.images.index import PictureIndex
    from knowledge.images.reading import UndecodablePicture, picture_hashes
    from knowledge.moderation import editing

    if args.image_command == "add":
        try:
            hashes = picture_hashes(_picture_bytes(args.path, settings))
        except UndecodablePicture:
            raise CommandError(f"{args.path}: not a picture I can read") from None
        with _services(settings) as services:
            _seed_if_empty(services.kb)
            try:
                change = services.moderation.debunks.change(
                    editing.add_picture, actor=SHELL, slug=args.slug.lower(), kind=DEFAULT_KIND,
                    hashes=hashes, name=args.name or args.path.name,
                )  # fmt: skip
            except editing.EditError as exc:
                if exc.code == "duplicate":
                    raise CommandError(f"this picture is attached to {args.slug} already") from None
                if exc.code == "not-found":
                    raise CommandError(f"no debunk {args.slug!r}") from None
                raise CommandError(f"cannot attach the picture: {exc.code}") from None
        print(f"Attached {args.path.name} to {change.slug}: copies of it now match.")
        return 0
    kb = _open_base(settings)
    try:
        if kb.card(args.slug.lower()) is None:
            raise CommandError(f"no debunk {args.slug!r}")
        pictures = PictureIndex(kb.engine).pictures_of(args.slug.lower())
    finally:
        kb.close()
    if not pictures:
        print(f"No pictures attached to {args.slug} yet: `tekser image add {args.slug} PATH`.")
    for name, value in pictures:
        print(f"{name}\t{value}")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    result = read_files(args.paths, fmt=args.format)
    for problem in result.problems:
        print(problem, file=sys.stderr)
    if result.problems and not args.skip_invalid:
        print(
            f"Nothing imported: {len(result.problems)} problem(s) in {len(result.rejected)} "
            "entr(ies). Fix them, or pass --skip-invalid to import the valid ones.",
            file=sys.stderr,
        )
        return 1
    with _services(settings) as services:
        exchange = services.moderation.exchange
        if args.dry_run:
            summary = exchange.plan_import(result.debunks, replace=args.replace)
        else:
            summary = exchange.apply_import(SHELL, result.debunks, replace=args.replace)
    for slug, (dropped, stored) in summary.kept.items():
        print(
            f"{slug}: kept as it is: the file lacks {dropped} of its {stored} claim "
            "wordings (pass --replace to replace them)",
            file=sys.stderr,
        )
    verb = "Would import" if args.dry_run else "Imported"
    print(
        f"{verb}: {len(summary.created)} created, {len(summary.updated)} updated, "
        f"{len(summary.unchanged)} unchanged, {len(summary.kept)} kept, "
        f"{len(result.rejected)} rejected."
    )
    if not summary.changed and not args.dry_run:
        print("Nothing changed: the base already holds these debunks.")
    if not args.dry_run:
        _prepare_index(settings)
    return 0


def cmd_embed(args: argparse.Namespace, settings: Settings) -> int:
    _prepare_index(settings)
    return 0


def _prepare_index(settings: Settings) -> None:
    """Embed and store every wording that lacks a vector (with a progress bar: minutes for a
    10k base), then build and keep the matching index, so that neither `tekser check` nor the
    bot's start spend that time. Vectors are stored batch by batch: an interrupted run resumes
    where it stopped."""
    from bot.bootstrap import open_knowledge
    from bot.progress import ProgressReport

    progress = ProgressReport("embedding")
    print("Building the matching index...", file=sys.stderr, flush=True)
    try:
        kb = open_knowledge(settings, progress=progress)
    finally:
        progress.close()
    try:
        embedder = kb.matcher.embedder
        pending = kb.matcher.semantic_pending
        count = len(kb.matcher)
    finally:
        kb.close()
    if embedder is None:
        mode = "lexical (semantic matching is off: TEKSER_SEMANTIC, or the semantic extra)"
    else:
        mode = "lexical" if pending else "lexical + semantic, every wording embedded"
    print(f"Matching index ready: {count} debunks, {mode}.", file=sys.stderr)


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as services:
        text, count = services.moderation.exchange.export(args.format)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{args.output}: cannot write ({exc.strerror})") from None
    print(f"Exported {count} debunks to {args.output}")
    return 0


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    kb = _open_base(settings)
    summary = kb.import_seed()
    print(
        f"Seed pack: {len(summary.created)} created, {len(summary.updated)} updated, "
        f"{len(summary.unchanged)} unchanged."
    )
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.db.engines import create_engine_for, current_revision, migrate

    engine = create_engine_for(settings.database_url)
    migrate(engine)
    print(f"Database is at revision {current_revision(engine)}.")
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.bot_token is None:
        raise CommandError(
            "No bot token: create a bot with @BotFather in Telegram and put its token in "
            "TEKSER_BOT_TOKEN (environment or .env)."
        )
    from bot.runner import run

    run(settings)
    return 0


# --- production ---


def cmd_apikey(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.newsroom.api_keys import ApiKeyError

    try:
        with _services(settings) as services:
            keys = services.api_keys
            if args.apikey_command == "create":
                row, key = keys.create(SHELL, name=args.name)
                print(
                    f"API key {row.name!r} created. Copy it now: it is shown only this once.",
                    file=sys.stderr,
                )
                print(key)
            elif args.apikey_command == "revoke":
                keys.revoke(SHELL, name=args.name)
                print(f"API key {args.name!r} revoked: requests with it are refused from now on.")
            else:
                rows = keys.all_keys()
                if not rows:
                    print("No API keys yet: create one with `tekser apikey create NAME`.")
                for row in rows:
                    state = (
                        f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
                    )
                    print(f"{row.name}\tcreated {row.created_at:%Y-%m-%d %H:%M}\t{state}")
    except ApiKeyError as exc:
        raise CommandError(str(exc)) from None
    return 0


def cmd_secret(args: argparse.Namespace, settings: Settings) -> int:
    print(secrets.token_urlsafe(SECRET_BYTES))
    return 0


def cmd_api(args: argparse.Namespace, settings: Settings) -> int:
    from bot.bootstrap import open_knowledge
    from bot.lifecycle import run_event_loop
    from bot.logging_setup import configure_logging
    from bot.web import build_server, build_web_app
    from knowledge.debunks.sync import DebunkSync

    if problem := weak_secret(settings):
        raise CommandError(problem)
    port = args.port or settings.api_port
    if not 1 <= port <= 65535:
        raise CommandError("--port takes a number from 1 to 65535")
    configure_logging(settings)
    # an empty base gets the seed, as in `run`; vectors missing are embedded in the background
    kb = open_knowledge(settings, load=True, seed=True, embed_in_background=True)
    sync = DebunkSync(kb, check_interval=settings.sync_check_seconds).start()
    server = build_server(build_web_app(settings, kb), host=settings.listen, port=port)
    try:
        run_event_loop(server.serve())
    finally:
        sync.stop()
        kb.close()
    return 0


# --- moderation ---


def cmd_moderator(args: argparse.Namespace, settings: Settings) -> int:
    """The same grant and revoke as /grant and /revoke (permission check, audit record), by the
    owners' console."""
    from knowledge.moderation.roles import NotAllowed

    if args.moderator_command != "list" and args.user_id <= 0:  # groups and channels are < 0
        raise CommandError(f"{args.user_id} is not a Telegram user id (those are positive numbers)")
    with _services(settings) as services:
        roles = services.moderation.roles
        try:
            if args.moderator_command == "add":
                roles.grant(SHELL, user_id=args.user_id, role=args.role, name=args.name)
                print(f"{args.user_id} is now {args.role}.")
            elif args.moderator_command == "remove":
                removed = roles.revoke(SHELL, user_id=args.user_id)
                if removed is None:
                    raise NotAllowed(args.user_id)
                print(f"{args.user_id} is no longer {removed.role}.")
            else:
                for owner in sorted(settings.owner_ids):
                    print(f"{owner}\towner\t(TEKSER_OWNER_IDS)")
                for row in roles.moderators():
                    print(f"{row.user_id}\t{row.role}\t{row.name}\t{row.granted_at:%Y-%m-%d}")
        except NotAllowed:
            raise CommandError(
                f"{args.user_id} is not a stored moderator (owners are set in TEKSER_OWNER_IDS)."
                if args.moderator_command == "remove"
                else f"{args.user_id} is an owner (TEKSER_OWNER_IDS): owners hold no other role."
            ) from None
    return 0


def cmd_term(args: argparse.Namespace, settings: Settings) -> int:
    """The same groups as /term (checked, audited), by the owners' console."""
    from handlers.moderation.terms_views import problem_text
    from knowledge.debunks.terms import TermError, written

    with _services(settings) as services:
        terms = services.moderation.terms
        if args.term_command == "add":
            try:
                row = terms.add(SHELL, args.group)
            except TermError as error:
                raise CommandError(problem_text(error)) from None
            print(f"Added term group #{row.id}.")
        elif args.term_command == "remove":
            if terms.remove(SHELL, args.group_id) is None:
                raise CommandError(f"there is no term group #{args.group_id} (tekser term list)")
            print(f"Removed term group #{args.group_id}.")
        else:
            for row in terms.groups():
                print(f"{row.id}\t{written(row.words)}\t{row.added_at:%Y-%m-%d}")
    return 0


SERVICE_COMMANDS = frozenset({"run", "web", "api"})
COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "check": cmd_check,
    "import": cmd_import,
    "embed": cmd_embed,
    "export": cmd_export,
    "seed": cmd_seed,
    "db": cmd_db,
    "run": cmd_run,
    "secret": cmd_secret,
    "apikey": cmd_apikey,
    "web": cmd_api,
    "api": cmd_api,  # the old name of `web`
    "moderator": cmd_moderator,
    "term": cmd_term,
    "image": cmd_image,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings)
        if args.command not in SERVICE_COMMANDS:  # one-shot commands print results, not logs
            logging.getLogger().setLevel(logging.WARNING)
        return COMMANDS[args.command](args, settings)
    except (SettingsError, CommandError, ExchangeError) as exc:
        print(f"tekser: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        print(f"tekser: database error: {reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def run() -> None:
    """The `tekser` command: `main()`, and for `tekser check` an exit without tearing down the
    loaded index (every answer is printed by then; freeing a 10k base's index took ~0.4 s)."""
    code = main()
    if sys.argv[1:2] != ["check"]:
        sys.exit(code)
    logging.shutdown()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass  # the reader has gone: nothing more to say
    os._exit(code)


if __name__ == "__main__":
    run()
