"""zxing-cpp's half of `cargo xtask bench-scan`: reads the very frames our decoder read.

Usage: bench_scan_zxing.py MANIFEST OUT_TSV REPEATS

Fixture photos are read with zxing-cpp's defaults (its retries on: rotate, downscale, invert,
try harder); synthetic camera frames are read with every retry off (the camera setting) and,
for reference, with the defaults. Output lines: id, mode, times in ms, reads (UTF-8 hex).
Only the symbologies Retour reads are enabled, as for our decoder.
"""

import sys
from importlib.metadata import version
import time

import numpy as np
import zxingcpp

F = zxingcpp.BarcodeFormat
FORMATS = [F.EAN13, F.EAN8, F.UPCA, F.UPCE, F.Code128, F.Code39, F.ITF, F.DataMatrix, F.QRCode]
# zxing-cpp's retries (the Python binding has no separate "try harder" switch).
RETRIES_OFF = {"try_rotate": False, "try_downscale": False, "try_invert": False}


def read(image, retries_off):
    if retries_off:
        return zxingcpp.read_barcodes(image, formats=FORMATS, **RETRIES_OFF)
    return zxingcpp.read_barcodes(image, formats=FORMATS)


def main():
    manifest, out_path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    lines = []
    with open(manifest, encoding="utf-8") as handle:
        for row in handle:
            ident, kind, _group, width, height, _expected, path = row.rstrip("\n").split("\t")[:7]
            pixels = np.fromfile(path, dtype=np.uint8).reshape(int(height), int(width))
            modes = ["default"] if kind == "fixture" else ["retries_off", "default"]
            for mode in modes:
                times, results = [], []
                for _ in range(1 if kind == "fixture" else repeats):
                    start = time.perf_counter()
                    results = read(pixels, mode == "retries_off")
                    times.append((time.perf_counter() - start) * 1000.0)
                texts = [r.text.encode("utf-8").hex() for r in results if r.valid]
                lines.append(
                    f"{ident}\t{mode}\t{','.join(f'{t:.3f}' for t in times)}\t{','.join(texts)}\n"
                )
    with open(out_path, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
    print(f"zxing-cpp {version('zxing-cpp')}: {len(lines)} measurements", file=sys.stderr)


if __name__ == "__main__":
    main()
