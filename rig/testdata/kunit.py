#!/usr/bin/env python3
"""A stand-in for the kernel's tools/testing/kunit/kunit.py in the rig's
own tests (rig/test_report.py): "kunit.py parse --json=OUT CONSOLE" writes
the JSON the real one writes (kunit_json.py: a group per suite, its cases
in test_cases, status PASS, SKIP, FAIL or ERROR) for KTAP of one level of
suites.  It refuses a console holding the guest's own lines ("rig: "):
report.py must hand it the kernel's boot, up to "rig: init", only.
"""
import json
import re
import sys
from typing import Any, Dict, List

PRINTK = re.compile(r'^\[\s*\d+\.\d+\] ?')
CASE = re.compile(r'^    (not )?ok \d+ (\S+)( # SKIP.*)?$')


def main(argv: List[str]) -> int:
    if len(argv) != 3 or argv[0] != 'parse' or \
            not argv[1].startswith('--json='):
        print('usage: kunit.py parse --json=OUT CONSOLE')
        return 2
    suites: List[Dict[str, Any]] = []
    with open(argv[2]) as f:
        for raw in f:
            line = PRINTK.sub('', raw.rstrip('\n'))
            if line.startswith('rig: '):
                print('kunit.py: not kernel output: %s' % line)
                return 1
            if line.startswith('    # Subtest: '):
                suites.append({'name': line.split(': ', 1)[1],
                               'sub_groups': [], 'test_cases': []})
                continue
            m = CASE.match(line)
            if m and suites:
                status = 'FAIL' if m.group(1) else \
                    'SKIP' if m.group(3) else 'PASS'
                suites[-1]['test_cases'].append({'name': m.group(2),
                                                 'status': status})
    with open(argv[1][len('--json='):], 'w') as f:
        json.dump({'name': 'KUnit Test Group', 'sub_groups': suites,
                   'test_cases': []}, f)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
