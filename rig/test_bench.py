"""rig/bench.py: its parsers and verdicts, and the whole table on fixture
logs (rig/testdata/bench/logs: one round of max-vhe, where KVM uses
CNTPOFF_EL2, and n1-nvhe, where it traps)."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from typing import Dict, List

import bench
from bench import Boot, Counts, Offset, count_rows, fmt_count, parse_counts
from plan import read_legs

RIG = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(RIG, 'testdata', 'bench')
ONE: Counts = {'samples': 200, 'mode': 190, 'insn': 700, 'msr': 10, 'isb': 2,
               'dsb': 1, 'eret': 1}


def every(**change: int) -> Dict[int, Counts]:
    """The nine operations of figure 7, each ONE with change."""
    return {label: dict(ONE, **change) for label in range(9)}


def verdicts(base: Dict[int, Counts], patched: Dict[int, Counts]) -> List[str]:
    return [r.verdict for r in count_rows(base, patched)]


class Counting(unittest.TestCase):
    """Figure 7: counts per operation (bench.py's former --self-test)."""

    def test_parse_counts(self) -> None:
        log = ['[    3.584] rig-count: label=0 samples=200 mode=195 insn=764 msr=15 '
               'isb=3 dsb=2 eret=1',
               'noise rig-count: label=0 samples=200',
               'rig-count: label=3 samples=200 mode=90 insn=776 msr=17 isb=4 dsb=0 eret=1']
        self.assertEqual(parse_counts(log), {
            0: {'samples': 200, 'mode': 195, 'insn': 764, 'msr': 15, 'isb': 3,
                'dsb': 2, 'eret': 1},
            3: {'samples': 200, 'mode': 90, 'insn': 776, 'msr': 17, 'isb': 4,
                'dsb': 0, 'eret': 1}})

    def test_verdicts(self) -> None:
        base = every()
        # VM 0 (vGICv3) judged, VM 1 (offset) reported, VM 2 (no vGIC)
        # judged on ERETs, reported on more barriers.
        self.assertEqual(verdicts(base, every()),
                         ['pass'] * 3 + ['report'] * 3 + ['pass'] * 3)
        self.assertEqual(verdicts(base, every(isb=3)), ['fail'] * 3 + ['report'] * 6)
        self.assertEqual(verdicts(base, every(dsb=2)), ['fail'] * 3 + ['report'] * 6)
        self.assertEqual(verdicts(base, every(eret=2))[6:], ['fail'] * 3)
        self.assertEqual(verdicts(base, every(insn=600, msr=9))[0], 'pass')
        noisy = every()
        noisy[0] = dict(ONE, mode=100)
        self.assertEqual(verdicts(base, noisy)[0], 'inconclusive')
        del noisy[1]
        self.assertEqual(verdicts(base, noisy)[1], 'missing')

    def test_fmt_count(self) -> None:
        self.assertEqual(fmt_count(ONE, dict(ONE, msr=12), 'msr'), '10 -> 12 (+2)')
        self.assertEqual(fmt_count(None, ONE, 'msr'), 'n/a')


class Figures(unittest.TestCase):
    def test_parse(self) -> None:
        b = bench.parse(os.path.join(BENCH, 'logs', '1-n1-nvhe-patched.log'))
        self.assertEqual(b, Boot(offsets={
            0: Offset(hvc=1203.0, cntvct=25.0, cntpct=25.0, traps=0),
            1: Offset(hvc=1260.0, cntvct=25.0, cntpct=580.0, traps=100000)},
            noirqchip=1130.0, irq={}))
        b = bench.parse(os.path.join(BENCH, 'logs', '1-max-vhe-base.log'))
        self.assertEqual(b.irq, {0: {'vtimer_p50': 300, 'vtimer_p99': 400,
                                     'ptimer_p50': 300, 'ptimer_p99': 400}})
        self.assertEqual(bench.parse(os.path.join(BENCH, 'none.log')), Boot())

    def test_parse_extra(self) -> None:
        self.assertEqual(bench.parse_extra(os.path.join(
            BENCH, 'logs', 'extra-max-vhe-patched.log')),
            {'uirq_intr': 2.0, 'uirq_idle': 0.0, 'steal_err': 0.48})

    def test_verdict(self) -> None:
        s = bench.summary([1.004, 1.006, 1.005])
        self.assertEqual(s, {'median': 1.005, 'min': 1.004, 'max': 1.006, 'n': 3})
        self.assertEqual(bench.verdict(s, 1.01, 0.01), 'pass')
        self.assertEqual(bench.verdict(s, 1.0, 0.01), 'fail')
        self.assertEqual(bench.verdict(bench.summary([1.0, 1.02]), 1.01, 0.01),
                         'inconclusive')
        self.assertEqual(bench.verdict(bench.summary([]), 1.01, 0.01), 'missing')

    def test_where_judged(self) -> None:
        """Which figures each leg has: by tests/legs, not by leg name."""
        legs = read_legs()
        self.assertEqual([n for n in ('max-vhe', 'max-nvhe', 'n1-vhe', 'n1-nvhe')
                          if legs[n].cntpoff], ['max-vhe'])
        fig = {key: bench.summary([1.0]) for key, *_ in bench.FIGURES}
        ecv = {r.short: r.verdict for r in bench.rows_for(True, fig)}
        trap = {r.short: r.verdict for r in bench.rows_for(False, fig)}
        self.assertEqual((ecv['hvc+off'], ecv['cntpct/vct+off']), ('pass', 'pass'))
        self.assertNotIn('trap/hvc+off', ecv)
        self.assertEqual((trap['hvc+off'], trap['trap/hvc+off']), ('report', 'fail'))
        self.assertNotIn('cntpct/vct+off', trap)
        self.assertEqual(ecv['uirq_intr'], 'missing')


class Main(unittest.TestCase):
    """bench.py as rig/bench.sh runs it, on the fixture logs."""

    def test_table(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(os.path.join(BENCH, 'logs'), os.path.join(tmp, 'logs'))
            proc = subprocess.run(
                [sys.executable, os.path.join(RIG, 'bench.py'), '--dir', tmp,
                 '--rounds', '1', '--qemu', '11.1', '--count-qemu', '10.0',
                 'max-vhe', 'n1-nvhe'], stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True)
            with open(os.path.join(tmp, 'bench.txt')) as f:
                text = f.read()
        self.assertEqual(proc.returncode, 1)
        lines = proc.stdout.splitlines()
        self.assertEqual(text.splitlines(), lines[:-1])
        self.assertEqual(lines[-1], 'bench: 44 figures, 18 fail or missing, '
                         '1 inconclusive')
        for row in (
                '| max-vhe | 1 HVC round trip, offset 0 (patched/base) | '
                '1.0040 [1.0040-1.0040] | <= 1.01 | pass |',
                '| max-vhe | 2 HVC round trip, offset (patched/base) | '
                '1.0160 [1.0160-1.0160] | <= 1.01 | fail |',
                '| n1-nvhe | 2 HVC round trip, offset (patched/base) | '
                '1.0500 [1.0500-1.0500] | report | report |',
                '| n1-nvhe | 3 trapped CNTPCT read / HVC round trip, offset | '
                '0.4603 [0.4603-0.4603] | <= 0.5 | pass |',
                '| n1-nvhe | 4 vtimer IRQ lateness p50, offset 0 (patched/base) | '
                'n/a | <= 1.01 | missing |',
                '| max-vhe | 5 user irqchip: KVM_EXIT_INTR per timer interrupt, '
                'worst case | 2.0000 [2.0000-2.0000] | <= 2 | pass |',
                '| max-vhe | CNTPCT reads trapped, offset (of 100000) | 0 | 0 | |',
                '| n1-nvhe | CNTPCT reads trapped, offset (of 100000) | 100000 | '
                '100000 | |',
                '| max-vhe | CNTPCT read, offset 0 | 10 -> 10 (+0) | 2 -> 2 (+0) | '
                '1 -> 1 (+0) | 1 -> 1 (+0) | 700 -> 700 (+0) | inconclusive |',
                '| max-vhe | HVC round trip, no vGIC, offset 0 | 10 -> 11 (+1) | '
                '2 -> 2 (+0) | 1 -> 1 (+0) | 1 -> 1 (+0) | 700 -> 700 (+0) | report |',
                '| n1-nvhe | HVC round trip, offset 0 | n/a | n/a | n/a | n/a | n/a '
                '| missing |'):
            self.assertIn(row, lines)
        self.assertFalse(any('max-vhe | 3 trapped' in line for line in lines))
        self.assertFalse(any('n1-nvhe | 3 CNTPCT/CNTVCT read, offset |' in line
                             for line in lines))

    def test_unknown_leg(self) -> None:
        proc = subprocess.run(
            [sys.executable, os.path.join(RIG, 'bench.py'), '--dir', BENCH,
             '--rounds', '1', 'max-vhf'], stderr=subprocess.PIPE, text=True)
        self.assertEqual(proc.returncode, 2)
        self.assertTrue(proc.stderr.startswith('rig: error: unknown leg max-vhf; '
                                               'tests/legs has: max-vhe '))


if __name__ == '__main__':
    unittest.main()
