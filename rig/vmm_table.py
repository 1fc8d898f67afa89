#!/usr/bin/env python3
"""The "Tested with real VMMs" table, from the last run of the vmm-* legs.

Reads build/logs/report.json and each vmm leg's log (build/logs/legs/),
prints a Markdown table: one row per test of tests/vmm/plan (QEMU version,
interrupt controller, scenario), one column per vmm leg; a cell is the
test's result and the longest probe wake-up tests/vmm/run measured for
its verdict (or, for noadj, the pause the guest saw).
  vmm_table.py [--logs DIR] [--readme README.md]
--readme replaces the lines between the table's markers in that file
(make vmm-table), so the table changes only when someone asks.
"""
import argparse
import json
import os
import re
import sys
from typing import Dict, List, Optional, Tuple

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN = '<!-- vmm-table begin: make vmm-table writes this -->'
END = '<!-- vmm-table end -->'
STAMP = re.compile(r'^\[\s*\d+\.\d+\] ?')
FIGURE = re.compile(r'^vmm: (?:.*: )?longest wake-up '
                    r'(?:after it|across a \d+ s pause:) (\d+) ms')
QEMU = {'72': "QEMU 7.2 (Debian 12)", '100': 'QEMU 10.0 (bookworm-backports)'}
IRQCHIP = {'v3': 'in-kernel vGICv3', 'user': 'userspace GICv2'}


def read_plan(path: str) -> List[Tuple[str, List[str]]]:
    """[(test name, [VMM, IRQCHIP, SCENARIO])] in plan order."""
    rows = []
    with open(path) as f:
        for line in f:
            fields = line.split()
            if not fields or fields[0].startswith('#'):
                continue
            rows.append((fields[0], fields[-3:]))
    return rows


def figures(log: str) -> Dict[str, str]:
    """{test: last measured figure} from one leg's log."""
    out: Dict[str, str] = {}
    current: Optional[str] = None
    if not os.path.exists(log):
        return out
    with open(log, errors='replace') as f:
        for raw in f:
            text = STAMP.sub('', raw.rstrip('\n'))
            if text.startswith('rig: begin '):
                current = text[len('rig: begin '):]
            elif current:
                m = FIGURE.match(text)
                if m:
                    out[current] = m.group(1) + ' ms'
    return out


def table(logs: str, plan: str) -> str:
    with open(os.path.join(logs, 'report.json')) as f:
        report = json.load(f)
    legs = [s for s in report['sections'] if s['name'].startswith('vmm-')]
    if not legs:
        sys.exit('vmm_table: no vmm-* leg in %s/report.json: run make check '
                 '(or LEGS="vmm-max-vhe ..." make check) first' % logs)
    status = {(s['name'], r['test']): r['status'] for s in legs
              for r in s['results']}
    figs = {s['name']: figures(os.path.join(logs, 'legs', s['name'] + '.log'))
            for s in legs}
    head = ['VMM', 'guest GIC', 'scenario'] + [s['name'] for s in legs]
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '---|' * len(head)]
    for test, (vmm, irqchip, scenario) in read_plan(plan):
        cells = [QEMU.get(vmm, vmm), IRQCHIP.get(irqchip, irqchip), scenario]
        for s in legs:
            st = status.get((s['name'], test), 'not run')
            fig = figs[s['name']].get(test)
            cells.append(st + (' (%s)' % fig if fig and st == 'pass' else ''))
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def self_test() -> None:
    """The figure parser on the lines tests/vmm/run prints."""
    import tempfile
    with tempfile.NamedTemporaryFile('w', suffix='.log', delete=False) as f:
        f.write('[   1.000] rig: begin vmm.a\n'
                '[   2.000] vmm: longest wake-up across a 4 s pause: 4043 ms\n'
                '[   3.000] rig: begin vmm.b\n'
                '[   4.000] vmm: longest wake-up across a 4 s pause: 100 ms\n'
                '[   5.000] vmm: stop 4 s, cont: longest wake-up after it '
                '102 ms (bound 1000 ms)\n'
                '[   6.000] rig: begin vmm.c\n'
                '[   7.000] vmm: FAIL: no probe summary\n')
    got = figures(f.name)
    os.unlink(f.name)
    want = {'vmm.a': '4043 ms', 'vmm.b': '102 ms'}
    if got != want:
        sys.exit('vmm_table self-test: got %r, want %r' % (got, want))
    print('vmm_table self-test: ok')


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--logs', default=os.path.join(TOP, 'build', 'logs'))
    p.add_argument('--plan', default=os.path.join(TOP, 'tests', 'vmm', 'plan'))
    p.add_argument('--readme', help='replace the table in this file')
    p.add_argument('--self-test', action='store_true')
    args = p.parse_args()
    if args.self_test:
        self_test()
        return 0
    text = table(args.logs, args.plan)
    if not args.readme:
        print(text)
        return 0
    with open(args.readme) as f:
        readme = f.read()
    if BEGIN not in readme or END not in readme:
        sys.exit('vmm_table: %s has no table markers (%s ... %s)' %
                 (args.readme, BEGIN, END))
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(args.readme, 'w') as f:
        f.write(head + BEGIN + '\n' + text + '\n' + END + tail)
    print('vmm_table: %s updated' % args.readme)
    return 0


if __name__ == '__main__':
    sys.exit(main())
