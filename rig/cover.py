#!/usr/bin/env python3
"""Fill git format-patch's cover letter from series/cover.txt.

series/cover.txt: the first line is the subject, the rest the body.
The cover's Date becomes the tip commit's author date, so exporting an
unchanged series gives the same bytes.  A "Tested on" section closes the
body, generated from the last make check (build/logs/report.json) and
tests/legs, so that it cannot drift from what was run; it has counts only,
no timings, so an unchanged result exports the same bytes too.  A line
for Debian's config joins it when make distro-legs' report (DISTRO_LOGS)
comes from the packaged kernel of this tip: every leg log's kernel has the
build version VERSION ("N.gID").
Usage: cover.py COVER_PATCH COVER_TEXT DATE [REPORT_JSON LEGS_FILE
                [DISTRO_LOGS VERSION]]
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
        # The mode is in kvm-arm.mode=; other options do not name one.
        mode = next((MODES[o] for o in leg['extra'].split() if o in MODES),
                    'VHE')
        kernel = '%s config' % leg['config']
        if name.startswith('vmm-upgrade-'):
            kernel = ('unpatched 6.1 (rig config at the base)'
                      if leg['config'] == 'base' else 'the series')
            vmm = (', one boot of a rolling upgrade: Debian 12\'s QEMU 7.2 '
                   'moves Linux guests between boots by migration files')
        elif name.startswith('vmm-'):
            vmm = (', Debian\'s QEMU 7.2 and 10.0 running Linux guests '
                   '(start, stop/cont, migration, savevm/loadvm, a busy '
                   'guest, stolen time)')
        else:
            vmm = ''
        lines.append(' - %s: -cpu %s, %s, %s%s: %s' % (
            name, leg['cpu'].split(',')[0], mode, kernel, vmm,
            counts(sec['results'])))
    return '\n'.join(lines)


def distro_line(logs, version):
    """The Tested-on line of make distro-legs, or '' if it is not this tip's."""
    path = os.path.join(logs or '', 'report.json')
    if not version or not os.path.exists(path):
        return ''
    with open(path) as f:
        report = json.load(f)
    legs = [sec['name'] for sec in report['sections']]
    for leg in legs:
        log = os.path.join(logs, 'legs', leg + '.log')
        if not os.path.exists(log):
            return ''
        with open(log, errors='replace') as f:
            if ' #%s ' % version not in f.read():
                return ''
    return ('\n - Debian 12\'s arm64 config (linux-config-6.1), the kernel '
            'packaged by bindeb-pkg, on %s (make distro-legs): %d passed, '
            '%d failed, %d skipped' % (', '.join(legs), report['passed'],
                                       report['failed'], report['skipped']))


def main(cover, text_path, date, report_path=None, legs_path=None,
         distro_logs=None, version=None):
    with open(text_path) as f:
        subject, _, body = f.read().partition('\n')
    body = (body.strip('\n') + '\n\n' + tested_on(report_path, legs_path) +
            distro_line(distro_logs, version))
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
    main(*sys.argv[1:8])
