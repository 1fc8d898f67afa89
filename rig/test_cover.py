"""rig/cover.py: the cover letter's "Tested on" section, from a report.json
and tests/legs (rig/testdata/legs: a leg of each mode and kind)."""
import json
import os
import tempfile
import unittest
from typing import Dict, List

import cover

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'testdata')
LEGS = os.path.join(DATA, 'legs')


class TestedOn(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def report(self, sections: Dict[str, List[str]]) -> str:
        path = os.path.join(self.tmp.name, 'report.json')
        with open(path, 'w') as f:
            json.dump({'sections': [
                {'name': name, 'results': [{'status': s} for s in statuses]}
                for name, statuses in sections.items()],
                'passed': 5, 'failed': 1, 'skipped': 1}, f)
        return path

    def test_lines(self) -> None:
        text = cover.tested_on(self.report({
            'series': ['pass'], 'max-nvhe': ['pass', 'skip'],
            'max-pkvm': ['pass', 'fail'], 'not-a-leg': ['pass'],
            'vmm-max-vhe': ['pass'], 'vmm-upgrade-2': ['pass']}), LEGS)
        lines = text.splitlines()
        self.assertEqual(lines[0], "Tested on, by the rig's last make check "
                         "(5 passed, 1 failed, 1 skipped):")
        self.assertEqual(lines[2], 'Base: not recorded by this report.')
        self.assertEqual(lines[5:], [
            ' - max-nvhe: -cpu max, nVHE, rig config: 1 passed, 0 failed, 1 skipped',
            ' - max-pkvm: -cpu max, protected (pKVM), rig config: 1 passed, '
            '1 failed, 0 skipped',
            " - vmm-max-vhe: -cpu max, VHE, rig config, Debian's QEMU 7.2 and 10.0 "
            'running Linux guests (start, stop/cont, migration, savevm/loadvm, a '
            'busy guest, stolen time): 1 passed, 0 failed, 0 skipped',
            ' - vmm-upgrade-2: -cpu neoverse-n1, nVHE, unpatched 6.1 (rig config at '
            "the base), one boot of a rolling upgrade: Debian 12's QEMU 7.2 moves "
            'Linux guests between boots by migration files: 1 passed, 0 failed, '
            '0 skipped'])
        self.assertTrue(lines[4].startswith(' - series hygiene ('))

    def test_no_report(self) -> None:
        self.assertEqual(cover.tested_on(os.path.join(self.tmp.name, 'none'), LEGS),
                         'Tested on: no make check has run in this tree yet.')

    def test_base(self) -> None:
        path = os.path.join(self.tmp.name, 'report.json')
        with open(path, 'w') as f:
            json.dump({'sections': [{'name': 'series', 'results': [
                {'test': 'checkpatch 0001-x', 'status': 'pass', 'detail': ''},
                {'test': 'base: Debian linux-source-6.1 6.1.192-3',
                 'status': 'pass',
                 'detail': 'moved: base.version names 6.1.192-2'}]}],
                'passed': 2, 'failed': 0, 'skipped': 0}, f)
        lines = cover.tested_on(path, LEGS).splitlines()
        self.assertEqual(lines[2], 'Base: Debian linux-source-6.1 6.1.192-3 '
                         '(moved: base.version names 6.1.192-2).')
        self.assertEqual(lines[3], '')


class Fill(unittest.TestCase):
    """fill reads only series/: cover.txt and tested-on.txt."""

    def test_fill(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            files = {'cover.patch': 'Subject: [PATCH 0/2] *** SUBJECT HERE ***\n'
                     'Date: Thu, 1 Jan 1970 00:00:00 +0000\n\n'
                     '*** BLURB HERE ***\n\nA (2):\n',
                     'cover.txt': 'The subject\n\nThe body.\n\n',
                     'tested-on.txt': 'Tested on: here.\n'}
            for name, text in files.items():
                with open(os.path.join(d, name), 'w') as f:
                    f.write(text)
            path = os.path.join(d, 'cover.patch')
            cover.fill(path, os.path.join(d, 'cover.txt'),
                       os.path.join(d, 'tested-on.txt'), 'Tue, 1 Dec 2026')
            with open(path) as f:
                self.assertEqual(f.read(),
                                 'Subject: [PATCH 0/2] The subject\n'
                                 'Date: Tue, 1 Dec 2026\n\n'
                                 'The body.\n\nTested on: here.\n\nA (2):\n')


if __name__ == '__main__':
    unittest.main()
