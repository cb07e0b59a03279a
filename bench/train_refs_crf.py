"""Train the reference CRF on ../shared/refdata and write sphinx_karabakh/refs/data/refs.crfsuite.

    .venv/bin/python bench/train_refs_crf.py [--iterations 150] [--c1 0.05] [--c2 0.01]

Training data: AnyStyle's labelled spans (``segments``), one whitespace token per item, the span's label
on each of its tokens (rare labels folded into ``note``, see ``crf.LABEL_MAP``). The held-out tenth
(``bench/refs_eval.heldout``: md5 of the raw string) is never trained on, so refs_eval's held-out figures
are honest. Deterministic: same data and options give the same model.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from refs_eval import DATA, dev, heldout  # noqa: E402

from sphinx_karabakh.refs.crf import LABEL_MAP, MODEL_NAME, token_features  # noqa: E402

OUT = ROOT / "sphinx_karabakh" / "refs" / "data" / MODEL_NAME


def sequences(records: list[dict]):
    for rec in records:
        tokens: list[str] = []
        labels: list[str] = []
        for lab, text in rec["segments"]:
            toks = text.split()
            tokens.extend(toks)
            labels.extend([LABEL_MAP.get(lab, lab)] * len(toks))
        if tokens:
            yield tokens, labels


def main(argv: list[str] | None = None) -> int:
    import pycrfsuite

    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=150)
    ap.add_argument("--c1", type=float, default=1.0)
    ap.add_argument("--c2", type=float, default=0.001)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument(
        "--dev",
        action="store_true",
        help="also leave out the dev tenth (for tuning with refs_eval --dev-only)",
    )
    ap.add_argument("--minfreq", type=int, default=2)
    args = ap.parse_args(argv)
    if not DATA.exists():
        print(f"train_refs_crf: {DATA} is missing; nothing to train on.")
        return 0
    records = [json.loads(x) for x in DATA.read_text(encoding="utf-8").splitlines() if x.strip()]
    train = [r for r in records if not heldout(r["raw"]) and not (args.dev and dev(r["raw"]))]
    trainer = pycrfsuite.Trainer(verbose=False)
    n = 0
    for tokens, labels in sequences(train):
        trainer.append(token_features(tokens), labels)
        n += 1
    trainer.set_params(
        {
            "c1": args.c1,
            "c2": args.c2,
            "max_iterations": args.iterations,
            "feature.possible_transitions": True,
            "feature.minfreq": args.minfreq,
        }
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    trainer.train(str(args.out))
    print(
        f"trained on {n} of {len(records)} references in {time.perf_counter() - t0:.0f} s; "
        f"model {args.out.stat().st_size / 1e6:.2f} MB at {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
