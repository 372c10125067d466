"""Photo lookup: how often a photo of a label finds its certificate, and how long it takes.

    python -m benchmarks.photo_bench                      # the relevance benchmark's 40,000 certificates
    python -m benchmarks.photo_bench --photos 300 --database-url sqlite:///var/bench/relevance-40000.db
    python -m benchmarks.photo_bench --sample             # the sample registry's 360

Photos of labels are made in software (``benchmarks.label_photos``: three layouts, sizes,
eight distortions in turn) and looked up one after the other through the function the API
calls (``public_site.photo_lookup.looked_up``): checked, codes and text read, searched. A
photo counts as found when a certificate carrying the model printed is in the first three
hits. Shares by distortion, and time per photo (p50, p99) on this machine's two cores.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.label_photos import label_photos
from benchmarks.measure import meilisearch_for
from benchmarks.relevance import all_records, build_registry, index_everything, sample_registry
from public_site.photo_lookup import looked_up
from registry.codes import model_key
from registry.db import make_engine
from search.client import SearchIndex, SearchTarget


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--certificates", type=int, default=40_000)
    parser.add_argument("--database-url")
    parser.add_argument("--work", type=Path, default=Path("var/bench"))
    parser.add_argument("--keep-index", action="store_true")
    parser.add_argument("--sample", action="store_true", help="the sample registry, not generated certificates")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.sample:
        engine = sample_registry(args.work)
    else:
        engine = make_engine(args.database_url) if args.database_url else build_registry(args.work, args.certificates)
    records = all_records(engine)
    by_key: dict[str, set[str]] = defaultdict(set)
    for record in records:
        for code in record.models:
            by_key[model_key(code)].add(record.certificate_no)
    photos = label_photos(records, args.photos)
    found, asked, times, missed = defaultdict(int), defaultdict(int), [], []
    folder = args.work / ("photo-sample" if args.sample else "photo-bench")
    by_size: dict[str, list[bool]] = defaultdict(list)
    with meilisearch_for(folder, keep=args.keep_index) as (url, key):
        index = SearchIndex(SearchTarget(url, key, "photos"), timeout=30)
        index_everything(engine, index, keep=args.keep_index)
        for photo in photos:
            started = time.perf_counter()
            answer = looked_up(engine, index, photo.data)
            times.append((time.perf_counter() - started) * 1000)
            right = by_key[model_key(photo.model)] | {photo.number}
            ok = any(hit.certificate_no in right for hit in answer.hits[:3])
            asked[photo.distortion] += 1
            by_size[size_band(photo.code_px)].append(ok)
            found[photo.distortion] += ok
            if not ok:
                missed.append((photo, [code.text for code in answer.read][:3], answer.outcome))
    print(f"\nphoto lookup, {len(records):,} certificates, {len(photos)} photos of labels")
    for distortion in asked:
        print(f"  {distortion:<12} top 3 {found[distortion] / asked[distortion]:6.1%} of {asked[distortion]}")
    for band in sorted(by_size):
        print(f"  print {band:<14} top 3 {sum(by_size[band]) / len(by_size[band]):6.1%} of {len(by_size[band])}")
    total = sum(found.values()) / len(photos)
    print(f"  {'all':<12} top 3 {total:6.1%} (target 95%)")
    p99 = statistics.quantiles(times, n=100)[98]
    print(f"  time per photo p50 {statistics.median(times):.0f} ms, p99 {p99:.0f} ms (targets 1,500 and 4,000 ms)")
    for photo, read, outcome in missed[:8]:
        print(f"    missed [{photo.distortion}] {photo.model!r}: {outcome}, read {read}")


def size_band(code_px: float) -> str:
    """The print's height in the photo, in bands: small print is where reading fails first."""
    low = min(int(code_px // 10) * 10, 50)
    return f"{low}+ px" if low == 50 else f"{low}-{low + 10} px"


if __name__ == "__main__":
    main()
