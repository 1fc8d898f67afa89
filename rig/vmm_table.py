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
from typing import Dict, List, NamedTuple, Optional, Sequence

from plan import (LEGS, TOP, VMM_PLAN, PlanError, fail, leg_kind, read_legs,
                  read_plan)

BEGIN = '<!-- vmm-table begin: make vmm-table writes this -->'
END = '<!-- vmm-table end -->'
STAMP = re.compile(r'^\[\s*\d+\.\d+\] ?')
FIGURE = re.compile(r'^vmm: (?:.*: )?longest wake-up '
                    r'(?:after it|across a \d+ s pause:) (\d+) ms')
QEMU = {'72': "QEMU 7.2 (Debian 12)", '100': 'QEMU 10.0 (bookworm-backports)'}
IRQCHIP = {'v3': 'in-kernel vGICv3', 'user': 'userspace GICv2'}


class Row(NamedTuple):
    """A test of tests/vmm/plan."""
    test: str
    legs: Sequence[str]
    args: Sequence[str]     # ./vmm/run's: VMM IRQCHIP SCENARIO [NAME [OPTION]]


def vmm_plan(path: str) -> List[Row]:
    """The tests of a real-VMM plan, in plan order; each one runs
    ./vmm/run."""
    rows = []
    for t in read_plan(path, read_legs(LEGS)):
        if len(t.argv) < 4 or t.argv[0] != './vmm/run':
            sys.exit('vmm_table: %s: not "NAME LEGS TIMEOUT ./vmm/run '
                     'VMM IRQCHIP SCENARIO ...": %s' % (path, t.text))
        rows.append(Row(t.name, t.legs, t.argv[1:]))
    return rows


def upgrade_step(args: Sequence[str]) -> str:
    """What one upgrade test does, from tests/vmm/run's arguments."""
    scenario, name = args[2], args[3]
    opt = args[4] if len(args) > 4 else ''
    if scenario == 'upsave':
        return 'start a VM%s, save it as "%s"' % (
            ' under kvm.list_ptimer_regs=0' if opt == 'compat' else '', name)
    if scenario == 'uprestore':
        return 'restore "%s"%s' % (name, ', save it as "%s"' % opt if opt else '')
    if scenario == 'uprefused':
        why = {'list': 'its register list',
               'cpu': 'a register value'}.get(opt, opt)
        return 'restore "%s": QEMU must refuse it (%s)' % (name, why)
    return ' '.join(args)


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
    path = os.path.join(logs, 'report.json')
    if not os.path.exists(path):
        sys.exit('vmm_table: no %s: run make check first' % path)
    with open(path) as f:
        report = json.load(f)
    sections = [s for s in report['sections']
                if leg_kind(s['name']) in ('vmm', 'upgrade')]
    legs = [s for s in sections if leg_kind(s['name']) == 'vmm']
    upgrade = [s for s in sections if leg_kind(s['name']) == 'upgrade']
    if not sections:
        sys.exit('vmm_table: no vmm-* leg in %s/report.json: run make check '
                 '(or LEGS="vmm-max-vhe ..." make check) first' % logs)
    status = {(s['name'], r['test']): r['status'] for s in sections
              for r in s['results']}
    figs = {s['name']: figures(os.path.join(logs, 'legs', s['name'] + '.log'))
            for s in sections}
    head = ['VMM', 'guest GIC', 'scenario'] + [s['name'] for s in legs]
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '---|' * len(head)] if legs else []
    rows = vmm_plan(plan)
    for test, test_legs, args in rows:
        if not legs or any(leg_kind(leg) == 'upgrade' for leg in test_legs):
            continue
        vmm, irqchip, scenario = args[:3]
        cells = [QEMU.get(vmm, vmm), IRQCHIP.get(irqchip, irqchip), scenario]
        for s in legs:
            st = status.get((s['name'], test), 'not run')
            fig = figs[s['name']].get(test)
            cells.append(st + (' (%s)' % fig if fig and st == 'pass' else ''))
        lines.append('| ' + ' | '.join(cells) + ' |')
    if upgrade:
        # The rolling upgrade: one boot after the other, in plan order.
        kernels = {'base': 'unpatched 6.1', 'rig': 'the series'}
        configs = read_leg_configs()
        lines += ([''] if lines else []) + ['| boot | host kernel | guest GIC | %s | result |' %
                  QEMU['72'], '|---|---|---|---|---|']
        for test, test_legs, args in rows:
            for leg in test_legs:
                if leg_kind(leg) != 'upgrade':
                    continue
                st = status.get((leg, test), 'not run')
                fig = figs.get(leg, {}).get(test)
                lines.append('| %s | %s | %s | %s | %s |' % (
                    leg, kernels.get(configs.get(leg, ''), '?'),
                    IRQCHIP.get(args[1], args[1]), upgrade_step(args),
                    st + (' (%s)' % fig if fig and st == 'pass' else '')))
    return '\n'.join(lines)


def read_leg_configs() -> Dict[str, str]:
    """{leg: config} from tests/legs."""
    return {name: leg.config for name, leg in read_legs(LEGS).items()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--logs', default=os.path.join(TOP, 'build', 'logs'))
    p.add_argument('--plan', default=VMM_PLAN)
    p.add_argument('--readme', help='replace the table in this file')
    args = p.parse_args()
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
    try:
        sys.exit(main())
    except PlanError as e:
        fail(str(e))
