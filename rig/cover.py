#!/usr/bin/env python3
"""Fill git format-patch's cover letter from series/cover.txt.

series/cover.txt: the first line is the subject, the rest the body.
The cover's Date becomes the tip commit's author date, so exporting an
unchanged series gives the same bytes.
Usage: cover.py COVER_PATCH COVER_TEXT DATE
"""
import sys


def main(cover, text_path, date):
    with open(text_path) as f:
        subject, _, body = f.read().partition('\n')
    with open(cover) as f:
        lines = f.read().split('\n')
    out = []
    for line in lines:
        if line.startswith('Date: '):
            line = 'Date: ' + date
        line = line.replace('*** SUBJECT HERE ***', subject.strip())
        if line == '*** BLURB HERE ***':
            line = body.strip('\n')
        out.append(line)
    with open(cover, 'w') as f:
        f.write('\n'.join(out))


if __name__ == '__main__':
    main(*sys.argv[1:4])
