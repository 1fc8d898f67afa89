#!/usr/bin/env python3
"""The cover letter of the series, in two steps.

tested-on REPORT_JSON [DISTRO_LOGS VERSION]: print the "Tested on"
section from a make check's report (build/logs/report.json) and
tests/legs, so that it cannot drift from what was run; counts only, no
timings, so an unchanged result gives the same bytes.  A line for
Debian's config joins it when make distro-legs' report (DISTRO_LOGS)
comes from the packaged kernel of this tip: every leg log's kernel has
the build version VERSION ("N.gID").  make tested-on keeps the output in
series/tested-on.txt: the one place results enter the series.

fill COVER_PATCH COVER_TEXT TESTED_ON DATE: fill git format-patch's cover
letter from series/cover.txt (the first line is the subject, the rest the
body) and series/tested-on.txt, which closes the body.  The cover's Date
becomes the tip commit's author date, so exporting an unchanged series
gives the same bytes.  Reads no results.
"""
import json
import os
import sys
from typing import Any, Dict, List, Optional

from plan import LEGS, PlanError, fail, read_legs

MODES = {'vhe': 'VHE', 'nvhe': 'nVHE', 'protected': 'protected (pKVM)'}


def counts(results: List[Dict[str, Any]]) -> str:
    c = {'pass': 0, 'fail': 0, 'skip': 0}
    for r in results:
        if r['status'] in c:
            c[r['status']] += 1
    return '%d passed, %d failed, %d skipped' % (c['pass'], c['fail'], c['skip'])


def tested_on(report_path: Optional[str], legs_path: Optional[str]) -> str:
    if not report_path or not os.path.exists(report_path):
        return 'Tested on: no make check has run in this tree yet.'
    with open(report_path) as f:
        report = json.load(f)
    legs = read_legs(legs_path or LEGS)
    lines = ['Tested on, by the rig\'s last make check (%d passed, %d failed, '
             '%d skipped):' % (report['passed'], report['failed'],
                               report['skipped']),
             'QEMU 11.1 TCG, -M virt,virtualization=on,gic-version=3 -smp 2, '
             '-icount shift=3,sleep=off.']
    # The base this run applied the series to (rig/check.sh's "base: ..."
    # line: base.version's, or what Debian's archive served instead).
    bases = ['Base: %s (%s).' % (r['test'][len('base: '):], r.get('detail', ''))
             for sec in report['sections'] if sec['name'] == 'series'
             for r in sec['results']
             if r.get('test', '').startswith('base: Debian ')]
    lines += (bases or ['Base: not recorded by this report.']) + ['']
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
        mode = MODES[leg.mode]
        kernel = '%s config' % leg.config
        if leg.kind == 'upgrade':
            kernel = ('unpatched 6.1 (rig config at the base)'
                      if leg.config == 'base' else 'the series')
            vmm = (', one boot of a rolling upgrade: Debian 12\'s QEMU 7.2 '
                   'moves Linux guests between boots by migration files')
        elif leg.kind == 'vmm':
            vmm = (', Debian\'s QEMU 7.2 and 10.0 running Linux guests '
                   '(start, stop/cont, migration, savevm/loadvm, a busy '
                   'guest, stolen time)')
        else:
            vmm = ''
        lines.append(' - %s: -cpu %s, %s, %s%s: %s' % (
            name, leg.cpu.split(',')[0], mode, kernel, vmm,
            counts(sec['results'])))
    return '\n'.join(lines)


def distro_line(logs: Optional[str], version: Optional[str]) -> str:
    """The Tested-on line of make distro-legs, or '' if it is not this tip's."""
    path = os.path.join(logs or '', 'report.json')
    if not version or not os.path.exists(path):
        return ''
    with open(path) as f:
        report = json.load(f)
    legs = [sec['name'] for sec in report['sections']]
    for leg in legs:
        log = os.path.join(logs or '', 'legs', leg + '.log')
        if not os.path.exists(log):
            return ''
        with open(log, errors='replace') as f:
            if ' #%s ' % version not in f.read():
                return ''
    return ('\n - Debian 12\'s arm64 config (linux-config-6.1), the kernel '
            'packaged by bindeb-pkg, on %s (make distro-legs): %d passed, '
            '%d failed, %d skipped' % (', '.join(legs), report['passed'],
                                       report['failed'], report['skipped']))


def fill(cover: str, text_path: str, tested_on_path: str, date: str) -> None:
    with open(text_path) as f:
        subject, _, body = f.read().partition('\n')
    with open(tested_on_path) as f:
        tested = f.read().strip('\n')
    body = body.strip('\n') + '\n\n' + tested
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


def main(argv: List[str]) -> int:
    if len(argv) == 5 and argv[0] == 'fill':
        fill(*argv[1:5])
        return 0
    if len(argv) in (2, 4) and argv[0] == 'tested-on':
        logs, version = (argv[2], argv[3]) if len(argv) == 4 else (None, None)
        print(tested_on(argv[1], None) + distro_line(logs, version))
        return 0
    fail('usage: cover.py fill COVER_PATCH COVER_TEXT TESTED_ON DATE | '
         'tested-on REPORT_JSON [DISTRO_LOGS VERSION]')


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except PlanError as e:
        fail(str(e))
