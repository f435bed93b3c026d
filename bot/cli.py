"""The `tekser` command line: check claims, import and export debunks, migrate, run the bot."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.logging_setup import configure_logging
from knowledge.debunks.cards import pick_language
from knowledge.debunks.knowledge_base import KnowledgeBase, seed_pack
from knowledge.formats.registry import FORMATS, ExchangeError, read_files, render_export
from knowledge.matching.matcher import MatchResult
from knowledge.settings import Settings, SettingsError, load_settings

log = logging.getLogger("tekser")


class CommandError(Exception):
    """A command cannot do what was asked; the message is one line for the user."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tekser", description="Tekser: a Telegram fact-check assistant."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="match a claim against the base")
    check.add_argument("text", nargs="?", help="the claim; without it, one query per stdin line")
    check.add_argument("--json", action="store_true", help="one JSON object per query")
    check.add_argument("--top", type=int, default=3, help="candidates to list (default 3)")
    check.add_argument("--lang", default="en", help="language of the readable card (en, ru, kk)")

    imp = commands.add_parser("import", help="import debunk packs, ClaimReview or EUvsDisinfo CSV")
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    imp.add_argument("--format", choices=FORMATS, help="detected from the content when not given")
    imp.add_argument(
        "--skip-invalid", action="store_true", help="import the valid entries, list the rest"
    )
    imp.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")

    exp = commands.add_parser("export", help="export the base")
    exp.add_argument("--format", choices=("pack", "claimreview"), default="pack")
    exp.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")

    commands.add_parser("seed", help="import the bundled seed pack")
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply schema migrations")
    commands.add_parser("run", help="start the Telegram bot")

    # --- production (issue 6): newsroom API keys and the HTTP API on its own ---
    apikey = commands.add_parser("apikey", help="manage newsroom API keys")
    apikey_commands = apikey.add_subparsers(dest="apikey_command", required=True, metavar="ACTION")
    create_key = apikey_commands.add_parser("create", help="create a key (shown once)")
    create_key.add_argument("name", help="who the key is for, e.g. newsroom-kz")
    apikey_commands.add_parser("list", help="list keys (names and dates, never the keys)")
    revoke_key = apikey_commands.add_parser("revoke", help="revoke a key at once")
    revoke_key.add_argument("name")
    api = commands.add_parser("api", help="serve the newsroom HTTP API alone")
    api.add_argument("--port", type=int, help="port (default TEKSER_API_PORT, 8080)")

    # --- moderation (issue 5): roles from the shell ---
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
    return parser


def _open_base(settings: Settings, *, load: bool = False) -> KnowledgeBase:
    from bot.bootstrap import open_knowledge

    return open_knowledge(settings, load=load)


def _queries(text: str | None, stream: TextIO) -> Iterator[str]:
    if text is not None:
        yield text
        return
    for line in stream:
        yield line.rstrip("\r\n")


def _as_json(result: MatchResult, kb: KnowledgeBase, lang: str) -> str:
    matches = []
    for match in result.matches:
        entry = kb.matcher.entry(match.slug)
        titles = entry.titles if entry is not None else {}
        matches.append(
            {
                "slug": match.slug,
                "score": round(match.score, 4),
                "verdict": entry.verdict if entry is not None else None,
                "decision": match.decision,
                "title": pick_language(titles, lang),
                "matched": match.matched,
            }
        )
    payload = {"query": result.query, "verdict": result.verdict, "matches": matches}
    return json.dumps(payload, ensure_ascii=False)


def _as_card(result: MatchResult, kb: KnowledgeBase, lang: str) -> str:
    lines = [f"Query: {result.query}", f"Verdict: {result.verdict}"]
    best = result.matches[0] if result.matches else None
    if best is not None and result.verdict != "none":
        card = kb.card(best.slug)
        if card is not None:
            lines += [
                f"Debunk: {card.slug} ({card.verdict})",
                f"Claim: {card.title(lang)}",
                f"Disproof: {card.disproof(lang)}",
            ]
            lines += [f"Source: {s.title or s.publisher} <{s.url}>" for s in card.sources]
    for rank, match in enumerate(result.matches, start=1):
        lines.append(f"  {rank}. {match.slug}  score={match.score:.3f}  {match.decision}")
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    if args.top < 1 or args.top > 50:
        raise CommandError("--top takes a number from 1 to 50")
    kb = _open_base(settings, load=True)
    render = _as_json if args.json else _as_card
    for query in _queries(args.text, sys.stdin):
        print(render(kb.check(query, top=args.top), kb, args.lang), flush=args.text is None)
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
    kb = _open_base(settings)
    summary = kb.import_entries(result.debunks, dry_run=args.dry_run)
    verb = "Would import" if args.dry_run else "Imported"
    print(
        f"{verb}: {len(summary.created)} created, {len(summary.updated)} updated, "
        f"{len(summary.unchanged)} unchanged, {len(result.rejected)} rejected."
    )
    if not summary.changed and not args.dry_run:
        print("Nothing changed: the base already holds these debunks.")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    kb = _open_base(settings)
    text = render_export(kb.export_entries(), fmt=args.format)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{args.output}: cannot write ({exc.strerror})") from None
    print(f"Exported {len(json.loads(text).get('debunks', []) or [])} debunks to {args.output}")
    return 0


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    kb = _open_base(settings)
    summary = kb.import_entries(seed_pack())
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


# --- production (issue 6) ---


def cmd_apikey(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.newsroom import api_keys

    kb = _open_base(settings)
    try:
        with kb.session() as session:
            if args.apikey_command == "create":
                row, key = api_keys.create_api_key(session, name=args.name)
                session.commit()
                print(
                    f"API key {row.name!r} created. Copy it now: it is shown only this once.",
                    file=sys.stderr,
                )
                print(key)
            elif args.apikey_command == "revoke":
                api_keys.revoke_api_key(session, name=args.name)
                session.commit()
                print(f"API key {args.name!r} revoked: requests with it are refused from now on.")
            else:
                rows = api_keys.list_api_keys(session)
                if not rows:
                    print("No API keys yet: create one with `tekser apikey create NAME`.")
                for row in rows:
                    state = (
                        f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
                    )
                    print(f"{row.name}\tcreated {row.created_at:%Y-%m-%d %H:%M}\t{state}")
    except api_keys.ApiKeyError as exc:
        raise CommandError(str(exc)) from None
    finally:
        kb.close()
    return 0


def cmd_api(args: argparse.Namespace, settings: Settings) -> int:
    from bot.lifecycle import run_event_loop
    from bot.logging_setup import configure_logging
    from bot.web import build_server, build_web_app
    from knowledge.debunks.sync import DebunkSync

    port = args.port or settings.api_port
    if not 1 <= port <= 65535:
        raise CommandError("--port takes a number from 1 to 65535")
    configure_logging(settings)
    kb = _open_base(settings, load=True)
    sync = DebunkSync(kb, check_interval=settings.sync_check_seconds).start()
    server = build_server(build_web_app(settings, kb), host=settings.listen, port=port)
    try:
        run_event_loop(server.serve())
    finally:
        sync.stop()
        kb.close()
    return 0


# --- moderation (issue 5) ---


def cmd_moderator(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.moderation import audit, roles

    kb = _open_base(settings)
    try:
        with kb.session() as session:
            if args.moderator_command == "add":
                roles.grant(
                    session, user_id=args.user_id, role=args.role, granted_by=None, name=args.name
                )
                audit.record(session, actor=audit.SHELL, action="grant",
                             after={"user_id": args.user_id, "role": args.role})  # fmt: skip
                session.commit()
                print(f"{args.user_id} is now {args.role}.")
            elif args.moderator_command == "remove":
                removed = roles.revoke(session, user_id=args.user_id)
                if removed is None:
                    raise CommandError(
                        f"{args.user_id} is not a stored moderator "
                        "(owners are set in TEKSER_OWNER_IDS)."
                    )
                audit.record(session, actor=audit.SHELL, action="revoke",
                             before={"user_id": args.user_id, "role": removed.role})  # fmt: skip
                session.commit()
                print(f"{args.user_id} is no longer {removed.role}.")
            else:
                for owner in sorted(settings.owner_ids):
                    print(f"{owner}\towner\t(TEKSER_OWNER_IDS)")
                for row in roles.list_moderators(session):
                    print(f"{row.user_id}\t{row.role}\t{row.name}\t{row.granted_at:%Y-%m-%d}")
    finally:
        kb.close()
    return 0


SERVICE_COMMANDS = frozenset({"run", "api"})
COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "check": cmd_check,
    "import": cmd_import,
    "export": cmd_export,
    "seed": cmd_seed,
    "db": cmd_db,
    "run": cmd_run,
    "apikey": cmd_apikey,
    "api": cmd_api,
    "moderator": cmd_moderator,
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
