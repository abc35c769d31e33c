#!/usr/bin/python3
"""What a screenshot of maas_report shows, for test/t/061_report.pl.

Usage: report_screenshot.py page.png

Prints one line of key=value pairs: the share of pixels that are not white,
the number of distinct colours, the pixels in the chart palette's first
colour (lines and bars, #1f77b4) and in the confusion matrix's darkest
shade (#08306b), the lowest row holding the first colour (charts drawn down
the whole page, not only at its top), and how many of ten horizontal bands
of the drawn height hold anything.  Debian's python3-pil reads the PNG, numpy counts.
"""
import sys

import numpy as np
from PIL import Image


def near(a, rgb, tol):
    return np.all(np.abs(a - np.array(rgb, dtype=np.int32)) <= tol, axis=2)


def main(path):
    a = np.asarray(Image.open(path).convert("RGB"), dtype=np.int32)
    h, w, _ = a.shape
    ink = np.any(a != 255, axis=2)
    blue = near(a, (0x1F, 0x77, 0xB4), 12)
    dark = near(a, (0x08, 0x30, 0x6B), 20)
    colours = len(np.unique(a[:, :, 0] * 65536 + a[:, :, 1] * 256 + a[:, :, 2]))
    rows_with_ink = np.nonzero(ink.any(axis=1))[0]
    drawn = int(rows_with_ink[-1]) + 1 if len(rows_with_ink) else 0
    bands = len(set(np.minimum(9, rows_with_ink * 10 // max(drawn, 1)).tolist()))
    blue_rows = np.nonzero(blue.any(axis=1))[0]
    lowest_blue = int(blue_rows[-1]) if len(blue_rows) else -1
    print("width=%d height=%d ink=%.4f colours=%d blue=%d dark=%d lowest_blue=%d drawn=%d bands=%d"
          % (w, h, ink.mean(), colours, int(blue.sum()), int(dark.sum()), lowest_blue, drawn, bands))


if __name__ == "__main__":
    main(sys.argv[1])
