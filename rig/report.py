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

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'rig'))
from leg import read_legs  # noqa: E402

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


def read_plan(path, leg):
    names = []
    with open(path) as f:
        for line in f:
            fields = line.split()
            if not fields or fields[0].startswith('#'):
                continue
            legs = fields[1].split(',')
            if 'all' in legs or leg in legs:
                names.append(fields[0])
    return names


def split_log(path):
    """[(host_seconds, text)] for every console line."""
    lines = []
    with open(path, errors='replace') as f:
        for raw in f:
            m = STAMP.match(raw.rstrip('\n'))
            if m:
                lines.append((float(m.group(1)), m.group(2)))
            else:
                lines.append((None, raw.rstrip('\n')))
    return lines


def kunit_cases(kernel_lines, kunit_py, workdir):
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
            return [('kunit', 'fail', 'kunit.py parse failed: ' +
                     proc.stdout.decode(errors='replace')[-200:])]
        with open(out) as f:
            tree = json.load(f)
    cases = []

    def walk(group, prefix):
        for case in group.get('test_cases', []):
            status = {'PASS': 'pass', 'SKIP': 'skip'}.get(case['status'],
                                                         'fail')
            cases.append((prefix + case['name'], status, ''))
        for sub in group.get('sub_groups', []):
            walk(sub, prefix + sub['name'] + '.')
    walk(tree, 'kunit.')
    return cases


def parse_leg(leg, log, plan, kunit_py, workdir):
    """Results for one leg: [(test, status, seconds, detail)]."""
    results = []
    if not os.path.exists(log):
        results.append(('boot', 'fail', None, 'no log: leg did not run'))
        return results + [(t, 'fail', None, 'not run') for t in plan]
    lines = split_log(log)
    texts = [t for _, t in lines]
    init_at = next((i for i, t in enumerate(texts)
                    if t.startswith('rig: init ')), len(texts))
    splats = [t for t in texts if PRINTK.match(t) and SPLAT.search(t)]
    done = 'rig: plan done' in texts
    killed = any(t.startswith('rig: leg killed') for t in texts)
    first = lines[0][0] if lines and lines[0][0] is not None else 0.0
    boot_end = lines[init_at][0] if init_at < len(lines) else None

    detail = []
    if killed:
        detail.append('wall-clock limit reached')
    elif not done:
        detail.append('guest stopped before the plan finished')
    if splats:
        detail.append('kernel splat: ' + splats[0][:120])
    results.append(('boot', 'fail' if detail else 'pass',
                    (boot_end - first) if boot_end else None,
                    '; '.join(detail)))

    for case in kunit_cases(texts[:init_at], kunit_py, workdir):
        results.append((case[0], case[1], None, case[2]))

    seen = {}
    begin = None
    for t, text in lines:
        if text.startswith('rig: begin '):
            begin = (text[len('rig: begin '):], t)
        elif text.startswith('rig: end ') and begin:
            m = re.match(r'rig: end (\S+) rc=(\d+)', text)
            name, rc = m.group(1), int(m.group(2))
            secs = (t - begin[1]) if t is not None and begin[1] else None
            if rc == 0:
                seen[name] = ('pass', secs, '')
            elif rc == 4:
                seen[name] = ('skip', secs, 'skipped (KSFT_SKIP)')
            elif rc == 137:
                seen[name] = ('fail', secs, 'guest timeout (killed)')
            else:
                seen[name] = ('fail', secs, 'exit status %d' % rc)
            begin = None
    if begin:
        seen[begin[0]] = ('fail', None, 'did not finish')
    for name in plan:
        status, secs, why = seen.pop(name, ('fail', None, 'not run'))
        results.append((name, status, secs, why))
    for name, (status, secs, why) in seen.items():
        results.append((name, status, secs, why))
    return results


def read_hygiene(path):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.rstrip('\n').split('\t')
                if len(parts) < 3:
                    continue
                secs = float(parts[2]) if parts[2] else None
                rows.append((parts[0], parts[1], secs,
                             parts[3] if len(parts) > 3 else ''))
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--logs', required=True)
    p.add_argument('--legs', nargs='*', default=None)
    p.add_argument('--kunit-py', required=True)
    p.add_argument('--plan', default=os.path.join(TOP, 'tests', 'plan'))
    p.add_argument('--vmm-plan',
                   default=os.path.join(TOP, 'tests', 'vmm', 'plan'),
                   help='the plan of the real-VMM legs (vmm-*)')
    p.add_argument('--legs-file', default=os.path.join(TOP, 'tests', 'legs'))
    args = p.parse_args()

    all_legs = read_legs(args.legs_file)
    legs = args.legs if args.legs is not None else list(all_legs)
    sections = []
    hygiene = read_hygiene(os.path.join(args.logs, 'hygiene.tsv'))
    if hygiene:
        sections.append(('series', hygiene))
    for leg in legs:
        log = os.path.join(args.logs, 'legs', leg + '.log')
        plan = args.vmm_plan if leg.startswith('vmm-') else args.plan
        names = read_plan(plan, leg)
        rows = parse_leg(leg, log, names, args.kunit_py, args.logs)
        if not names:
            rows.append(('plan', 'fail', None,
                         'no test of %s runs on this leg' %
                         os.path.relpath(plan, TOP)))
        sections.append((leg, rows))

    counts = {'pass': 0, 'fail': 0, 'skip': 0}
    out = []
    for section, rows in sections:
        n = {'pass': 0, 'fail': 0, 'skip': 0}
        for _, status, _, _ in rows:
            n[status] += 1
            counts[status] += 1
        out.append('%s: %d passed, %d failed, %d skipped' %
                   (section, n['pass'], n['fail'], n['skip']))
        for name, status, secs, why in rows:
            if name.startswith('kunit.') and status == 'pass':
                continue    # one line per suite would drown the table
            out.append('  %-40s %-5s %7s  %s' % (
                name, status, '%.1f' % secs if secs is not None else '-',
                why))
        kpass = sum(1 for r in rows if r[0].startswith('kunit.') and
                    r[1] == 'pass')
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
                {'test': r[0], 'status': r[1], 'seconds': r[2],
                 'detail': r[3]} for r in rows]} for s, rows in sections],
            'passed': counts['pass'], 'failed': counts['fail'],
            'skipped': counts['skip']}, f, indent=1)
    print(text)
    print(summary)
    return 1 if counts['fail'] else 0


if __name__ == '__main__':
    sys.exit(main())
