#!/usr/bin/env python3
"""Convert a binary-mask folder dataset into the label-map layout `labels:ROOT` (issue 12).

Input  (`folder:` layout, e.g. ../shared/data/shenzhen-cxr): SRC/<case>/image.png + rater0.png
       (a binary mask; as `p2sam`'s folder reader, any non-zero value is foreground).
Output (`labels:` layout): OUT/<split>/<case>/image.png (a symlink to the source image) + label.png
       (8-bit grey class ids) and OUT/classes.json.

Classes:
  default              one class (`--name`, default "lungs"): the whole foreground.
  --left-right         two classes by connected components (8-connectivity): the largest two components,
                       1 = the one whose centroid is further left in the image, 2 = the other; every
                       other component (stray pixels) is dropped. In a chest X-ray in the usual view the
                       image-left lung is the patient's right lung. A case with fewer than two components
                       is refused (named), nothing half-written (each label.png goes to a temp file first).
Split: `--split sorted:0.8` puts the first 80 % of the sorted case names (natural order, as `p2sam`) in
OUT/train and the rest in OUT/val (the canonical 80/20 of hc18, ph2 and shenzhen-cxr in
../shared/data/README.md). Only Python's standard library (a small PNG codec below).

  python3 scripts/folder-to-labels.py SRC OUT [--left-right] [--split sorted:0.8] [--name lungs]
  python3 scripts/folder-to-labels.py --self-test
"""
import json
import os
import re
import struct
import sys
import tempfile
import zlib


def read_png(path):
    """(width, height, channels, rows) of an 8-bit PNG (grey, grey+alpha, RGB, RGBA); rows of ints."""
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError(f'{path}: not a PNG file')
    pos, idat, header = 8, b'', None
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            header = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        elif kind == b'IEND':
            break
        pos += 12 + length
    if header is None:
        raise ValueError(f'{path}: no IHDR chunk')
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace != 0:
        raise ValueError(f'{path}: only 8-bit non-interlaced grey/RGB(A) PNGs are supported '
                         f'(depth {depth}, colour type {colour}, interlace {interlace})')
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], [0] * stride
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], list(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            elif kind != 0:
                raise ValueError(f'{path}: bad PNG filter {kind}')
        rows.append(line)
        previous = line
    return width, height, channels, rows


def write_grey_png(path, width, height, pixels):
    """Writes `pixels` (row-major ints 0...255) as an 8-bit grey PNG, atomically (temp file + rename)."""
    def chunk(kind, body):
        return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body) & 0xffffffff)
    raw = b''.join(b'\x00' + bytes(pixels[y * width:(y + 1) * width]) for y in range(height))
    png = (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 0, 0, 0, 0))
           + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))
    folder = os.path.dirname(path) or '.'
    fd, temp = tempfile.mkstemp(dir=folder, suffix='.tmp')
    with os.fdopen(fd, 'wb') as f:
        f.write(png)
    os.replace(temp, path)


def foreground(path):
    """(width, height, 0/1 list): non-zero colour value = foreground (alpha ignored)."""
    width, height, channels, rows = read_png(path)
    colour = 3 if channels >= 3 else 1
    return width, height, [1 if any(row[x * channels + c] for c in range(colour)) else 0
                           for row in rows for x in range(width)]


def components(mask, width, height):
    """8-connected components of a 0/1 mask, largest first: lists of pixel indices."""
    seen = [False] * len(mask)
    out = []
    for start in range(len(mask)):
        if not mask[start] or seen[start]:
            continue
        seen[start], stack, pixels = True, [start], []
        while stack:
            i = stack.pop()
            pixels.append(i)
            y, x = divmod(i, width)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = y + dy, x + dx
                    if 0 <= ny < height and 0 <= nx < width:
                        j = ny * width + nx
                        if mask[j] and not seen[j]:
                            seen[j] = True
                            stack.append(j)
        out.append(pixels)
    return sorted(out, key=len, reverse=True)


def labels_of(mask, width, height, left_right, name):
    if not left_right:
        return mask
    parts = components(mask, width, height)
    if len(parts) < 2:
        raise ValueError(f'{name}: {len(parts)} connected component(s), --left-right needs two')
    two = sorted(parts[:2], key=lambda p: sum(i % width for i in p) / len(p))
    out = [0] * len(mask)
    for label, part in enumerate(two, start=1):
        for i in part:
            out[i] = label
    return out


def natural(s):
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r'(\d+)', s)]


def convert(src, out, left_right=False, fraction=0.8, name='lungs'):
    cases = sorted((c for c in os.listdir(src) if not c.startswith('.') and os.path.isdir(os.path.join(src, c))),
                   key=natural)
    if not cases:
        raise ValueError(f'{src}: no case folders (want SRC/<case>/image.png + rater0.png)')
    cut = round(fraction * len(cases))
    classes = {'1': f'{name} (image left)', '2': f'{name} (image right)'} if left_right else {'1': name}
    os.makedirs(out, exist_ok=True)
    for k, case in enumerate(cases):
        image = os.path.abspath(os.path.join(src, case, 'image.png'))
        mask_path = os.path.join(src, case, 'rater0.png')
        for p in (image, mask_path):
            if not os.path.exists(p):
                raise ValueError(f'{p}: missing')
        width, height, mask = foreground(mask_path)
        labels = labels_of(mask, width, height, left_right, case)
        folder = os.path.join(out, 'train' if k < cut else 'val', case)
        os.makedirs(folder, exist_ok=True)
        link = os.path.join(folder, 'image.png')
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(image, link)
        write_grey_png(os.path.join(folder, 'label.png'), width, height, labels)
    with open(os.path.join(out, 'classes.json'), 'w') as f:
        json.dump(classes, f, indent=1)
    return cut, len(cases) - cut


def self_test():
    """Builds a synthetic folder dataset (two blobs per mask), converts it both ways and checks the result."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 'src')
        for n in range(5):
            case = os.path.join(src, f'case{n + 1}')
            os.makedirs(case)
            w, h = 20, 10
            mask = [0] * (w * h)
            for y in range(2, 8):
                for x in range(2, 6):
                    mask[y * w + x] = 255          # left blob, 24 px
                for x in range(12, 18 - (n % 2)):
                    mask[y * w + x] = 255          # right blob
            mask[0] = 255                          # a stray pixel (dropped by --left-right)
            write_grey_png(os.path.join(case, 'rater0.png'), w, h, mask)
            write_grey_png(os.path.join(case, 'image.png'), w, h, [n] * (w * h))
        out = os.path.join(tmp, 'one')
        assert convert(src, out, fraction=0.8) == (4, 1)
        assert sorted(os.listdir(os.path.join(out, 'val'))) == ['case5']
        _, _, _, rows = read_png(os.path.join(out, 'train', 'case1', 'label.png'))
        flat = [v for r in rows for v in r]
        assert set(flat) == {0, 1} and sum(flat) == 24 + 36 + 1, sum(flat)
        assert json.load(open(os.path.join(out, 'classes.json'))) == {'1': 'lungs'}
        out2 = os.path.join(tmp, 'two')
        convert(src, out2, left_right=True)
        _, _, _, rows = read_png(os.path.join(out2, 'train', 'case2', 'label.png'))
        assert rows[0][0] == 0 and rows[4][3] == 1 and rows[4][13] == 2, rows[4]
        assert sum(v == 2 for r in rows for v in r) == 30
        assert read_png(os.path.join(out2, 'val', 'case5', 'image.png'))[3][0][0] == 4
        # A mask with one component is refused under --left-right.
        one = os.path.join(tmp, 'bad', 'c1')
        os.makedirs(one)
        write_grey_png(os.path.join(one, 'rater0.png'), 4, 4, [255] * 16)
        write_grey_png(os.path.join(one, 'image.png'), 4, 4, [0] * 16)
        try:
            convert(os.path.join(tmp, 'bad'), os.path.join(tmp, 'badout'), left_right=True)
            raise AssertionError('expected a refusal')
        except ValueError as e:
            assert 'c1' in str(e) and 'component' in str(e)
    print('self-test passed')


def main(argv):
    if argv[1:] == ['--self-test']:
        return self_test()
    args, left_right, fraction, name = [], False, 0.8, 'lungs'
    it = iter(argv[1:])
    for a in it:
        if a == '--left-right':
            left_right = True
        elif a == '--split':
            spec = next(it, '')
            if not spec.startswith('sorted:'):
                sys.exit('--split must be sorted:FRACTION (e.g. sorted:0.8)')
            fraction = float(spec[len('sorted:'):])
            if not 0 < fraction < 1:
                sys.exit('--split fraction must be in (0, 1)')
        elif a == '--name':
            name = next(it, 'lungs')
        else:
            args.append(a)
    if len(args) != 2:
        sys.exit(__doc__)
    try:
        train, val = convert(args[0], args[1], left_right, fraction, name)
    except ValueError as e:
        sys.exit(f'error: {e}')
    print(f'{args[1]}: train {train}, val {val} cases')


if __name__ == '__main__':
    main(sys.argv)
