"""rig/vmm_table.py: the figures tests/vmm/run prints, the upgrade steps,
and the whole table on fixtures (rig/testdata/vmm: a report.json and the
vmm legs' logs; rig/testdata/vmm-plan)."""
import os
import subprocess
import sys
import tempfile
import unittest

import vmm_table
from plan import VMM_PLAN, leg_kind

RIG = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(RIG, 'testdata')


class Figures(unittest.TestCase):
    def test_figures(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, 'vmm.log')
            with open(log, 'w') as f:
                f.write('[   1.000] rig: begin vmm.a\n'
                        '[   2.000] vmm: longest wake-up across a 4 s pause: 4043 ms\n'
                        '[   3.000] rig: begin vmm.b\n'
                        '[   4.000] vmm: longest wake-up across a 4 s pause: 100 ms\n'
                        '[   5.000] vmm: stop 4 s, cont: longest wake-up after it '
                        '102 ms (bound 1000 ms)\n'
                        '[   6.000] rig: begin vmm.c\n'
                        '[   7.000] vmm: FAIL: no probe summary\n')
            self.assertEqual(vmm_table.figures(log),
                             {'vmm.a': '4043 ms', 'vmm.b': '102 ms'})
            self.assertEqual(vmm_table.figures(os.path.join(tmp, 'none.log')), {})

    def test_fixture_log(self) -> None:
        self.assertEqual(
            vmm_table.figures(os.path.join(DATA, 'vmm', 'legs', 'vmm-max-vhe.log')),
            {'vmm.q72-v3-stopcont': '102 ms', 'vmm.q72-v3-noadj': '4043 ms',
             'vmm.q100-user-migrate': '2310 ms'})


class UpgradeSteps(unittest.TestCase):
    def test_steps(self) -> None:
        for args, want in (
                (('72', 'v3', 'upsave', 'compat', 'compat'),
                 'start a VM under kvm.list_ptimer_regs=0, save it as "compat"'),
                (('72', 'v3', 'upsave', 'patched'), 'start a VM, save it as "patched"'),
                (('72', 'v3', 'uprestore', 'compat', 'back'),
                 'restore "compat", save it as "back"'),
                (('72', 'v3', 'uprestore', 'back'), 'restore "back"'),
                (('72', 'v3', 'uprefused', 'patched', 'list'),
                 'restore "patched": QEMU must refuse it (its register list)'),
                (('72', 'user', 'uprefused', 'compat-user', 'cpu'),
                 'restore "compat-user": QEMU must refuse it (a register value)')):
            self.assertEqual(vmm_table.upgrade_step(args), want)

    def test_real_plan(self) -> None:
        """Every line of tests/vmm/plan runs ./vmm/run, and every upgrade
        test has a description of its own."""
        rows = vmm_table.vmm_plan(VMM_PLAN)
        self.assertTrue(rows)
        for row in rows:
            if any(leg_kind(leg) == 'upgrade' for leg in row.legs):
                self.assertNotEqual(vmm_table.upgrade_step(row.args),
                                    ' '.join(row.args), row.test)


class Table(unittest.TestCase):
    def test_table(self) -> None:
        text = vmm_table.table(os.path.join(DATA, 'vmm'),
                               os.path.join(DATA, 'vmm-plan'))
        self.assertEqual(text.splitlines(), [
            '| VMM | guest GIC | scenario | vmm-max-vhe | vmm-n1-vhe |',
            '|---|---|---|---|---|',
            '| QEMU 7.2 (Debian 12) | in-kernel vGICv3 | stopcont | pass (102 ms) '
            '| pass (230 ms) |',
            '| QEMU 7.2 (Debian 12) | in-kernel vGICv3 | noadj | pass (4043 ms) | fail |',
            '| QEMU 10.0 (bookworm-backports) | userspace GICv2 | migrate | fail '
            '| pass (310 ms) |',
            '',
            '| boot | host kernel | guest GIC | QEMU 7.2 (Debian 12) | result |',
            '|---|---|---|---|---|',
            '| vmm-upgrade-1 | the series | in-kernel vGICv3 | start a VM under '
            'kvm.list_ptimer_regs=0, save it as "compat" | pass (120 ms) |',
            '| vmm-upgrade-2 | unpatched 6.1 | in-kernel vGICv3 | restore "patched": '
            'QEMU must refuse it (its register list) | fail |',
            '| vmm-upgrade-3 | the series | in-kernel vGICv3 | restore "unpatched" '
            '| not run |'])

    def test_not_vmm_run(self) -> None:
        with tempfile.NamedTemporaryFile('w') as f:
            f.write('vmm.x  vmm-max-vhe  900  ./aarch64/arch_timer\n')
            f.flush()
            proc = subprocess.run(
                [sys.executable, os.path.join(RIG, 'vmm_table.py'), '--logs',
                 os.path.join(DATA, 'vmm'), '--plan', f.name],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual((proc.returncode, proc.stdout), (1, ''))
        self.assertEqual(proc.stderr, 'vmm_table: %s: not "NAME LEGS TIMEOUT '
                         './vmm/run VMM IRQCHIP SCENARIO ...": vmm.x  vmm-max-vhe  '
                         '900  ./aarch64/arch_timer\n' % f.name)


if __name__ == '__main__':
    unittest.main()
