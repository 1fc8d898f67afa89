#!/usr/bin/env python3
"""Turn leg logs and hygiene results into one report.

Inputs (under --logs): legs/LEG.log written by rig/leg.py, and
hygiene.tsv (name, status, seconds, detail) written by rig/check.sh.
Prints a table per leg and per test, writes report.json and report.txt
beside the logs, and ends with the line "N passed, N failed, N skipped".
Exit status: 0 when nothing failed.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from plan import (LEGS, PLAN, TOP, VMM_PLAN, PlanError, Test, fail, plan_of,
                  read_legs, read_plan, tests_on)

STAMP = re.compile(r'^\[\s*(\d+\.\d+)\] ?(.*)$')
PRINTK = re.compile(r'^\[\s*\d+\.\d+\] ')
# A kernel splat on the console fails the leg, whatever the tests said.
SPLAT = re.compile(r'WARNING: |BUG: |KASAN: |UBSAN: |Kernel panic|Oops|'
                   r'Unable to handle kernel|Internal error:|cut here|'
                   r'Call trace:|detected stall|blocked for more than|'
                   r'possible recursive locking|possible circular locking|'
                   r'inconsistent lock state|suspicious RCU usage|'
                   r'refcount_t:|list_add corruption|'
                   r'list_del corruption|scheduling while atomic|'
                   r'sleeping function called from invalid context')


class Result(NamedTuple):
    """One row of the report."""
    test: str
    status: str                 # pass, fail or skip
    seconds: Optional[float]    # host seconds, None if not known
    detail: str


def split_log(path: str) -> List[Tuple[Optional[float], str]]:
    """[(host_seconds, text)] for every console line."""
    lines: List[Tuple[Optional[float], str]] = []
    with open(path, errors='replace') as f:
        for raw in f:
            m = STAMP.match(raw.rstrip('\n'))
            if m:
                lines.append((float(m.group(1)), m.group(2)))
            else:
                lines.append((None, raw.rstrip('\n')))
    return lines


def kunit_cases(kernel_lines: List[str], kunit_py: str,
                workdir: str) -> List[Result]:
    """Parse the kernel's KTAP with the kernel's own kunit.py."""
    text = '\n'.join(kernel_lines) + '\n'
    if 'KTAP version' not in text and 'TAP version' not in text:
        return []
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        src = os.path.join(tmp, 'console')
        out = os.path.join(tmp, 'kunit.json')
        with open(src, 'w') as f:
            f.write(text)
        proc = subprocess.run([sys.executable, kunit_py, 'parse',
                               '--json=' + out, src],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if not os.path.exists(out):
            return [Result('kunit', 'fail', None, 'kunit.py parse failed: ' +
                           proc.stdout.decode(errors='replace')[-200:])]
        with open(out) as f:
            tree = json.load(f)
    cases: List[Result] = []

    def walk(group: Dict[str, Any], prefix: str) -> None:
        for case in group.get('test_cases', []):
            status = {'PASS': 'pass', 'SKIP': 'skip'}.get(case['status'],
                                                         'fail')
            cases.append(Result(prefix + case['name'], status, None, ''))
        for sub in group.get('sub_groups', []):
            walk(sub, prefix + sub['name'] + '.')
    walk(tree, 'kunit.')
    return cases


def parse_leg(leg: str, log: str, plan: List[str], kunit_py: str,
              workdir: str) -> List[Result]:
    """Results for one leg: boot, KUnit cases, then plan's tests."""
    results: List[Result] = []
    if not os.path.exists(log):
        results.append(Result('boot', 'fail', None, 'no log: leg did not run'))
        return results + [Result(t, 'fail', None, 'not run') for t in plan]
    lines = split_log(log)
    texts = [t for _, t in lines]
    init_at = next((i for i, t in enumerate(texts)
                    if t.startswith('rig: init ')), len(texts))
    splats = [t for t in texts if PRINTK.match(t) and SPLAT.search(t)]
    done = 'rig: plan done' in texts
    killed = any(t.startswith('rig: leg killed') for t in texts)
    first = lines[0][0] if lines and lines[0][0] is not None else 0.0
    boot_end = lines[init_at][0] if init_at < len(lines) else None

    detail: List[str] = []
    if killed:
        detail.append('wall-clock limit reached')
    elif not done:
        detail.append('guest stopped before the plan finished')
    if splats:
        detail.append('kernel splat: ' + splats[0][:120])
    results.append(Result('boot', 'fail' if detail else 'pass',
                          (boot_end - first) if boot_end else None,
                          '; '.join(detail)))

    results += kunit_cases(texts[:init_at], kunit_py, workdir)

    # By name, in the order the tests began (a test the plan does not
    # name, e.g. under rig.only=, is reported after the plan's).
    seen: Dict[str, Result] = {}
    begin: Optional[Tuple[str, Optional[float]]] = None
    for t, text in lines:
        if text.startswith('rig: begin '):
            begin = (text[len('rig: begin '):], t)
        elif text.startswith('rig: end ') and begin:
            m = re.match(r'rig: end (\S+) rc=(\d+)', text)
            if not m:
                continue    # a line cut short: the test did not finish
            name, rc = m.group(1), int(m.group(2))
            secs = (t - begin[1]) if t is not None and begin[1] else None
            if rc == 0:
                seen[name] = Result(name, 'pass', secs, '')
            elif rc == 4:
                seen[name] = Result(name, 'skip', secs, 'skipped (KSFT_SKIP)')
            elif rc == 137:
                seen[name] = Result(name, 'fail', secs,
                                    'guest timeout (killed)')
            else:
                seen[name] = Result(name, 'fail', secs, 'exit status %d' % rc)
            begin = None
    if begin:
        seen[begin[0]] = Result(begin[0], 'fail', None, 'did not finish')
    for name in plan:
        results.append(seen.pop(name, Result(name, 'fail', None, 'not run')))
    results += seen.values()
    return results


def read_hygiene(path: str) -> List[Result]:
    """hygiene.tsv: name, status, seconds, detail (tab-separated)."""
    rows: List[Result] = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.rstrip('\n').split('\t')
                if len(parts) < 3:
                    continue
                secs = float(parts[2]) if parts[2] else None
                rows.append(Result(parts[0], parts[1], secs,
                                   parts[3] if len(parts) > 3 else ''))
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--logs', required=True)
    p.add_argument('--legs', nargs='*', default=None)
    p.add_argument('--kunit-py', required=True)
    p.add_argument('--plan', default=PLAN)
    p.add_argument('--vmm-plan', default=VMM_PLAN,
                   help='the plan of the real-VMM legs (vmm-*)')
    p.add_argument('--legs-file', default=LEGS)
    args = p.parse_args()

    all_legs = read_legs(args.legs_file)
    legs = args.legs if args.legs is not None else list(all_legs)
    sections: List[Tuple[str, List[Result]]] = []
    hygiene = read_hygiene(os.path.join(args.logs, 'hygiene.tsv'))
    if hygiene:
        sections.append(('series', hygiene))
    plans: Dict[str, List[Test]] = {}
    for leg in legs:
        log = os.path.join(args.logs, 'legs', leg + '.log')
        plan = plan_of(leg, args.plan, args.vmm_plan)
        if plan not in plans:
            plans[plan] = read_plan(plan, all_legs)
        names = tests_on(plans[plan], leg)
        rows = parse_leg(leg, log, names, args.kunit_py, args.logs)
        if not names:
            rows.append(Result('plan', 'fail', None,
                               'no test of %s runs on this leg' %
                               os.path.relpath(plan, TOP)))
        sections.append((leg, rows))

    counts = {'pass': 0, 'fail': 0, 'skip': 0}
    out = []
    for section, rows in sections:
        n = {'pass': 0, 'fail': 0, 'skip': 0}
        for r in rows:
            n[r.status] += 1
            counts[r.status] += 1
        out.append('%s: %d passed, %d failed, %d skipped' %
                   (section, n['pass'], n['fail'], n['skip']))
        for r in rows:
            if r.test.startswith('kunit.') and r.status == 'pass':
                continue    # one line per suite would drown the table
            out.append('  %-40s %-5s %7s  %s' % (
                r.test, r.status,
                '%.1f' % r.seconds if r.seconds is not None else '-',
                r.detail))
        kpass = sum(1 for r in rows if r.test.startswith('kunit.') and
                    r.status == 'pass')
        if kpass:
            out.append('  %-40s %-5s %7s  %d cases' % ('kunit.*', 'pass',
                                                      '-', kpass))
        if section in all_legs and n['fail']:
            out.append('  log: %s' % os.path.join(args.logs, 'legs',
                                                 section + '.log'))
    summary = '%d passed, %d failed, %d skipped' % (counts['pass'],
                                                   counts['fail'],
                                                   counts['skip'])
    text = '\n'.join(out)
    with open(os.path.join(args.logs, 'report.txt'), 'w') as f:
        f.write(text + '\n' + summary + '\n')
    with open(os.path.join(args.logs, 'report.json'), 'w') as f:
        json.dump({'sections': [
            {'name': s, 'results': [
                {'test': r.test, 'status': r.status, 'seconds': r.seconds,
                 'detail': r.detail} for r in rows]} for s, rows in sections],
            'passed': counts['pass'], 'failed': counts['fail'],
            'skipped': counts['skip']}, f, indent=1)
    print(text)
    print(summary)
    return 1 if counts['fail'] else 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except PlanError as e:
        fail(str(e))
