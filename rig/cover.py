#!/usr/bin/env python3
"""Fill git format-patch's cover letter from series/cover.txt.

series/cover.txt: the first line is the subject, the rest the body.
The cover's Date becomes the tip commit's author date, so exporting an
unchanged series gives the same bytes.  A "Tested on" section closes the
body, generated from the last make check (build/logs/report.json) and
tests/legs, so that it cannot drift from what was run; it has counts only,
no timings, so an unchanged result exports the same bytes too.
Usage: cover.py COVER_PATCH COVER_TEXT DATE [REPORT_JSON LEGS_FILE]
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leg import read_legs  # noqa: E402

MODES = {'': 'VHE', 'kvm-arm.mode=nvhe': 'nVHE',
         'kvm-arm.mode=protected': 'protected (pKVM)'}


def counts(results):
    c = {'pass': 0, 'fail': 0, 'skip': 0}
    for r in results:
        if r['status'] in c:
            c[r['status']] += 1
    return '%d passed, %d failed, %d skipped' % (c['pass'], c['fail'], c['skip'])


def tested_on(report_path, legs_path):
    if not report_path or not os.path.exists(report_path):
        return 'Tested on: no make check has run in this tree yet.'
    with open(report_path) as f:
        report = json.load(f)
    legs = read_legs(legs_path)
    lines = ['Tested on, by the rig\'s last make check (%d passed, %d failed, '
             '%d skipped):' % (report['passed'], report['failed'],
                               report['skipped']),
             'QEMU 11.1 TCG, -M virt,virtualization=on,gic-version=3 -smp 2, '
             '-icount shift=3,sleep=off.', '']
    for sec in report['sections']:
        name = sec['name']
        if name == 'series':
            lines.append(' - series hygiene (checkpatch --strict, every patch '
                         'built, sparse, the touched objects with Debian\'s '
                         'arm64 config and W=1): %s' % counts(sec['results']))
            continue
        leg = legs.get(name)
        if not leg:
            continue
        extra = leg['extra']
        mode = MODES.get(extra, extra)
        lines.append(' - %s: -cpu %s, %s, %s config: %s' % (
            name, leg['cpu'].split(',')[0], mode, leg['config'],
            counts(sec['results'])))
    return '\n'.join(lines)


def main(cover, text_path, date, report_path=None, legs_path=None):
    with open(text_path) as f:
        subject, _, body = f.read().partition('\n')
    body = body.strip('\n') + '\n\n' + tested_on(report_path, legs_path)
    with open(cover) as f:
        lines = f.read().split('\n')
    out = []
    for line in lines:
        if line.startswith('Date: '):
            line = 'Date: ' + date
        line = line.replace('*** SUBJECT HERE ***', subject.strip())
        if line == '*** BLURB HERE ***':
            line = body
        out.append(line)
    with open(cover, 'w') as f:
        f.write('\n'.join(out))


if __name__ == '__main__':
    main(*sys.argv[1:6])
