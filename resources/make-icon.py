#!/usr/bin/env python3
"""Draws the Kairos icon (icons/kairos.png): a blue rounded square with a white "K" made of
three strokes. Pure Python (zlib + struct), so it needs nothing beyond Debian's python3."""
import math, struct, zlib

SIZE = 128

def inside_rounded_square(x, y, radius=26):
    cx = min(max(x, radius), SIZE - 1 - radius)
    cy = min(max(y, radius), SIZE - 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2

def distance_to_segment(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))

STROKES = [(42, 30, 42, 98), (86, 30, 46, 66), (54, 60, 88, 98)]

rows = []
for y in range(SIZE):
    row = bytearray([0])
    for x in range(SIZE):
        if not inside_rounded_square(x, y):
            row += bytes([0, 0, 0, 0])
            continue
        shade = y / SIZE
        color = (int(30 + 20 * shade), int(110 - 40 * shade), int(220 - 60 * shade))
        if min(distance_to_segment(x, y, *s) for s in STROKES) <= 7:
            color = (255, 255, 255)
        row += bytes([*color, 255])
    rows.append(bytes(row))

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
open(__file__.rsplit("/", 1)[0] + "/icons/kairos.png", "wb").write(png)
