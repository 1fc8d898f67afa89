"""rig/report.py on fixture leg logs (rig/testdata/logs), one per outcome it
tells apart, with a stand-in for the kernel's kunit.py
(rig/testdata/kunit.py): no kernel tree needed.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from typing import List

import report
from plan import read_legs, read_plan, tests_on
from report import Result

RIG = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(RIG, 'testdata')
LOGS = os.path.join(DATA, 'logs')
KUNIT = os.path.join(DATA, 'kunit.py')
PLAN = ['kvm.arch_timer', 'kvm.get-reg-list', 'kvm.counter_offset', 'rig.demo']
N1_PLAN = ['kvm.arch_timer', 'kvm.get-reg-list', 'rig.demo']


class ParseLeg(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def parse(self, leg: str, plan: List[str] = PLAN,
              kunit: str = KUNIT) -> List[Result]:
        return report.parse_leg(leg, os.path.join(LOGS, 'legs', leg + '.log'),
                                plan, kunit, self.tmp.name)

    def test_pass_skip_kunit(self) -> None:
        self.assertEqual(self.parse('max-vhe'), [
            Result('boot', 'pass', 3.415 - 0.212, ''),
            Result('kunit.kvm_arm64_timer.guest_count', 'pass', None, ''),
            Result('kunit.kvm_arm64_timer.tval_read', 'pass', None, ''),
            Result('kunit.kvm_arm64_timer.hw_cval', 'skip', None, ''),
            Result('kvm.arch_timer', 'pass', 45.260 - 3.433, ''),
            Result('kvm.get-reg-list', 'skip', 46.010 - 45.262,
                   'skipped (KSFT_SKIP)'),
            Result('kvm.counter_offset', 'pass', 98.542 - 46.012, ''),
            Result('rig.demo', 'pass', 101.044 - 98.544, '')])

    def test_failures(self) -> None:
        rows = self.parse('max-nvhe')
        self.assertEqual([(r.test, r.status, r.detail) for r in rows], [
            ('boot', 'pass', ''),
            ('kunit.kvm_arm64_timer.guest_count', 'fail', ''),
            ('kunit.kvm_arm64_timer.tval_read', 'pass', ''),
            ('kvm.arch_timer', 'fail', 'exit status 1'),
            ('kvm.get-reg-list', 'fail', 'guest timeout (killed)'),
            ('kvm.counter_offset', 'fail', 'not run'),
            ('rig.demo', 'pass', ''),
            # Ran, though not in the plan (rig.only=): after the plan's.
            ('rig.extra', 'pass', '')])
        self.assertIsNone(rows[5].seconds)

    def test_fixture_plan(self) -> None:
        tests = read_plan(os.path.join(DATA, 'plan'),
                          read_legs(os.path.join(DATA, 'legs')))
        self.assertEqual(tests_on(tests, 'max-vhe'), PLAN)
        self.assertEqual(tests_on(tests, 'n1-vhe'), N1_PLAN)

    def test_splat_fails_boot(self) -> None:
        rows = self.parse('n1-vhe', N1_PLAN)
        self.assertEqual(rows[0].status, 'fail')
        self.assertEqual(rows[0].detail, 'kernel splat: [   11.402117] '
                         '------------[ cut here ]------------')
        self.assertEqual([r.status for r in rows[1:]], ['pass'] * 3)

    def test_splat_kinds(self) -> None:
        """Each kind of splat, alone on the pass log, fails the leg; the
        same words printed by a test (no printk stamp) do not."""
        with open(os.path.join(LOGS, 'legs', 'max-vhe.log')) as f:
            good = f.read()
        marker = '[    3.501] # WARNING: the test prints this itself: not a kernel splat\n'
        self.assertIn(marker, good)
        for splat in (
                'WARNING: CPU: 0 PID: 1 at arch/arm64/kvm/arch_timer.c:88 x+0x4/0x8',
                'BUG: sleeping function called from invalid context at mm/slab.h:712',
                'BUG: KASAN: slab-out-of-bounds in kvm_timer_vcpu_load+0x1c/0x2c0',
                'WARNING: possible circular locking dependency detected',
                'Unable to handle kernel NULL pointer dereference at virtual address 0',
                'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:'):
            log = self.write(good.replace(
                marker, '[    3.501] [    2.000001] %s\n' % splat))
            rows = report.parse_leg('max-vhe', log, PLAN, KUNIT, self.tmp.name)
            self.assertEqual((rows[0].status, rows[0].detail),
                             ('fail', 'kernel splat: [    2.000001] ' + splat[:105]),
                             splat)

    def write(self, text: str) -> str:
        path = os.path.join(self.tmp.name, 'leg.log')
        with open(path, 'w') as f:
            f.write(text)
        return path

    def test_wall_clock_kill(self) -> None:
        rows = self.parse('n1-nvhe', N1_PLAN)
        self.assertEqual([(r.test, r.status, r.detail) for r in rows], [
            ('boot', 'fail', 'wall-clock limit reached'),
            ('kvm.arch_timer', 'pass', ''),
            ('kvm.get-reg-list', 'fail', 'did not finish'),
            ('rig.demo', 'fail', 'not run')])

    def test_guest_stopped(self) -> None:
        rows = self.parse('max-pkvm')
        self.assertEqual(rows[0].detail,
                         'guest stopped before the plan finished; kernel splat: '
                         '[   24.011120] Kernel panic - not syncing: HYP panic:')
        self.assertEqual([r.detail for r in rows[1:]],
                         ['', 'did not finish', 'not run', 'not run'])

    def test_no_log(self) -> None:
        self.assertEqual(self.parse('debug', ['kvm.arch_timer']), [
            Result('boot', 'fail', None, 'no log: leg did not run'),
            Result('kvm.arch_timer', 'fail', None, 'not run')])

    def test_never_reached_init(self) -> None:
        log = self.write('[    0.212] [    0.000000] Booting Linux on physical CPU 0x0\n'
                         'qemu-system-aarch64: terminating on signal 15\n')
        rows = report.parse_leg('x', log, ['t'], KUNIT, self.tmp.name)
        self.assertEqual(rows, [
            Result('boot', 'fail', None, 'guest stopped before the plan finished'),
            Result('t', 'fail', None, 'not run')])

    def test_end_line_cut_short(self) -> None:
        log = self.write('[    3.400] rig: init leg=x\n[    3.433] rig: begin t\n'
                         '[    9.000] rig: end t rc')
        rows = report.parse_leg('x', log, ['t'], KUNIT, self.tmp.name)
        self.assertEqual(rows[1], Result('t', 'fail', None, 'did not finish'))

    def test_kunit_py_fails(self) -> None:
        rows = self.parse('max-vhe', kunit=os.path.join(self.tmp.name, 'none.py'))
        self.assertEqual(rows[1][:3], ('kunit', 'fail', None))
        self.assertTrue(rows[1].detail.startswith('kunit.py parse failed: '))
        self.assertIn('none.py', rows[1].detail)

    def test_kunit_gets_kernel_lines_only(self) -> None:
        # The stand-in refuses the guest's lines: report.py cuts at "rig: init".
        cases = report.kunit_cases(['KTAP version 1', 'rig: init leg=x'],
                                   KUNIT, self.tmp.name)
        self.assertEqual(cases[0][:3], ('kunit', 'fail', None))
        self.assertIn('not kernel output: rig: init', cases[0].detail)
        self.assertEqual(report.kunit_cases(['no KTAP here'], KUNIT,
                                            self.tmp.name), [])


class Main(unittest.TestCase):
    """report.py as check.sh runs it, on the fixture logs and hygiene.tsv."""

    def test_report(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            logs = os.path.join(tmp, 'logs')
            shutil.copytree(LOGS, logs)
            proc = subprocess.run(
                [sys.executable, os.path.join(RIG, 'report.py'), '--logs', logs,
                 '--kunit-py', KUNIT, '--legs-file', os.path.join(DATA, 'legs'),
                 '--plan', os.path.join(DATA, 'plan'),
                 '--vmm-plan', os.path.join(DATA, 'vmm-plan'), '--legs',
                 'max-vhe', 'max-nvhe', 'n1-vhe', 'n1-nvhe', 'max-pkvm', 'debug',
                 'vmm-upgrade-1'],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertEqual((proc.returncode, proc.stderr), (1, ''))
            lines = proc.stdout.splitlines()
            with open(os.path.join(logs, 'report.txt')) as f:
                self.assertEqual(f.read(), proc.stdout)
            with open(os.path.join(logs, 'report.json')) as f:
                js = json.load(f)
        self.assertEqual(lines[-1], '17 passed, 19 failed, 2 skipped')
        self.assertEqual((js['passed'], js['failed'], js['skipped']), (17, 19, 2))
        self.assertEqual([s['name'] for s in js['sections']],
                         ['series', 'max-vhe', 'max-nvhe', 'n1-vhe', 'n1-nvhe',
                          'max-pkvm', 'debug', 'vmm-upgrade-1'])
        self.assertEqual(js['sections'][0]['results'][2], {
            'test': 'sparse, touched files', 'status': 'fail', 'seconds': 95.0,
            'detail': '2 new warnings (see build/logs/sparse.log)'})
        self.assertIn('max-vhe: 6 passed, 0 failed, 2 skipped', lines)
        # Passing KUnit cases are one line; a leg that passed has no log line.
        self.assertIn('  kunit.*                                  pass        -  '
                      '2 cases', lines)
        self.assertIn('  kvm.get-reg-list                         skip      0.7  '
                      'skipped (KSFT_SKIP)', lines)
        self.assertFalse(any(line.endswith('/max-vhe.log') for line in lines))
        self.assertTrue(lines[lines.index('max-nvhe: 4 passed, 4 failed, 0 skipped')
                              + 9].endswith('/legs/max-nvhe.log'))
        # A real-VMM leg runs the real-VMM plan.
        self.assertEqual(js['sections'][-1]['results'][1]['test'],
                         'vmm.up-save-compat')

    def test_no_test_on_leg(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            plan = os.path.join(tmp, 'plan')
            with open(plan, 'w') as f:
                f.write('t max-vhe 10 ./t\n')
            proc = subprocess.run(
                [sys.executable, os.path.join(RIG, 'report.py'), '--logs', tmp,
                 '--kunit-py', KUNIT, '--plan', plan, '--legs', 'n1-vhe'],
                stdout=subprocess.PIPE, text=True)
        self.assertIn('  plan                                     fail        -  '
                      'no test of %s runs on this leg' % os.path.relpath(
                          plan, os.path.dirname(RIG)), proc.stdout.splitlines())


if __name__ == '__main__':
    unittest.main()
