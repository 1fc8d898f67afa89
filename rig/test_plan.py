"""rig/plan.py: tests/legs and the plans, read and checked; its command line.

Run with the rig's other tests: python3 -m unittest discover -s rig -p 'test_*.py'
"""
import os
import subprocess
import sys
import tempfile
import unittest
from typing import Dict, List, Tuple

import plan
from plan import Leg, PlanError

RIG = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(RIG, 'testdata')
LEGS = os.path.join(DATA, 'legs')
PLAN = os.path.join(DATA, 'plan')
VMM_PLAN = os.path.join(DATA, 'vmm-plan')
GOOD_LEG = 'max-vhe  rig  900  max,pauth-impdef=on  -\n'


class TempFiles(unittest.TestCase):
    """A test that writes small files of its own."""

    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, name: str, text: str) -> str:
        path = os.path.join(self.tmp.name, name)
        with open(path, 'w') as f:
            f.write(text)
        return path


class ReadLegs(TempFiles):
    def test_fixture(self) -> None:
        legs = plan.read_legs(LEGS)
        self.assertEqual(list(legs)[:3], ['max-vhe', 'max-nvhe', 'n1-vhe'])
        self.assertEqual(legs['max-vhe'], Leg(
            name='max-vhe', config='rig', wall=900, cpu='max,pauth-impdef=on',
            append='', ecv=True, mode='vhe', kind='cpu', path=LEGS, line=4))

    def test_derived(self) -> None:
        legs = plan.read_legs(LEGS)
        facts: Dict[str, Tuple[bool, str, str, bool]] = {
            name: (leg.ecv, leg.mode, leg.kind, leg.cntpoff)
            for name, leg in legs.items()}
        self.assertEqual(facts['max-vhe'], (True, 'vhe', 'cpu', True))
        self.assertEqual(facts['max-nvhe'], (True, 'nvhe', 'cpu', False))
        self.assertEqual(facts['n1-vhe'], (False, 'vhe', 'cpu', False))
        self.assertEqual(facts['max-pkvm'], (True, 'protected', 'cpu', False))
        self.assertEqual(facts['vmm-max-vhe'], (True, 'vhe', 'vmm', True))
        self.assertEqual(facts['vmm-upgrade-2'],
                         (False, 'nvhe', 'upgrade', False))
        self.assertEqual(legs['vmm-upgrade-2'].append,
                         'kvm-arm.mode=nvhe kunit.enable=0')
        # "#" starts a comment anywhere in tests/legs.
        self.assertEqual(legs['n1-vhe'].append, '')

    def test_real_files(self) -> None:
        legs = plan.read_legs()
        self.assertIn('max-vhe', legs)
        self.assertEqual([n for n, leg in legs.items() if leg.kind == 'upgrade'],
                         ['vmm-upgrade-1', 'vmm-upgrade-2', 'vmm-upgrade-3'])
        for path in (plan.PLAN, plan.VMM_PLAN):
            self.assertTrue(plan.read_plan(path, legs))

    def bad(self, text: str, message: str) -> None:
        path = self.write('legs', text)
        with self.assertRaises(PlanError) as e:
            plan.read_legs(path)
        self.assertEqual(str(e.exception), '%s:%s' % (path, message))

    def test_bad_columns(self) -> None:
        self.bad(GOOD_LEG + 'n1-vhe rig 900 neoverse-n1\n',
                 '2: 4 columns, want NAME CONFIG WALL CPU APPEND '
                 '("-" for no APPEND)')

    def test_bad_wall(self) -> None:
        self.bad('max-vhe rig 15m max -\n',
                 "1: wall '15m' is not a positive integer")

    def test_duplicate(self) -> None:
        self.bad(GOOD_LEG + '# again\n' + GOOD_LEG,
                 '3: leg max-vhe again (first at line 1)')

    def test_unknown_cpu(self) -> None:
        self.bad('a72 rig 900 cortex-a72 -\n',
                 '1: -cpu model cortex-a72 unknown (rig/plan.py CPU_ECV has '
                 'max neoverse-n1): add whether it has FEAT_ECV with CNTPOFF')

    def test_unknown_mode(self) -> None:
        self.bad('x rig 900 max kvm-arm.mode=nested\n',
                 '1: kvm-arm.mode=nested: want kvm-arm.mode=nvhe|protected, '
                 'or none for VHE')

    def test_dash_among_options(self) -> None:
        self.bad('x rig 900 max - kunit.enable=0\n',
                 '1: "-" (no APPEND) among other options')

    def test_reserved_name(self) -> None:
        self.bad('all rig 900 max -\n',
                 '1: "all" is not a leg name: plans use it for legs')

    def test_empty(self) -> None:
        path = self.write('legs', '# nothing\n')
        with self.assertRaisesRegex(PlanError, ': no legs$'):
            plan.read_legs(path)


class ReadPlan(TempFiles):
    def test_fixture(self) -> None:
        legs = plan.read_legs(LEGS)
        tests = plan.read_plan(PLAN, legs)
        self.assertEqual([t.name for t in tests],
                         ['kvm.arch_timer', 'kvm.get-reg-list',
                          'kvm.counter_offset', 'rig.demo', 'rig.bench'])
        t = tests[2]
        self.assertEqual((t.legs, t.timeout, t.argv, t.line),
                         (('max-vhe', 'max-nvhe', 'max-pkvm'), 300,
                          ('./aarch64/counter_offset', '-n', '100'), 5))
        self.assertEqual(plan.tests_on(tests, 'n1-vhe'),
                         ['kvm.arch_timer', 'kvm.get-reg-list', 'rig.demo'])
        self.assertEqual(plan.tests_on(tests, 'max-pkvm'),
                         ['kvm.arch_timer', 'kvm.get-reg-list',
                          'kvm.counter_offset', 'rig.demo'])
        # legs "none": run by name only (rig.only=), never by leg.
        self.assertNotIn('rig.bench', plan.tests_on(tests, 'max-vhe'))

    def test_plan_of(self) -> None:
        self.assertEqual(plan.plan_of('max-vhe', 'P', 'V'), 'P')
        self.assertEqual(plan.plan_of('vmm-n1-vhe', 'P', 'V'), 'V')
        self.assertEqual(plan.plan_of('vmm-upgrade-2', 'P', 'V'), 'V')

    def test_hash_in_command(self) -> None:
        # As tests/init reads it: only a line starting with "#" is a comment.
        path = self.write('plan', '  # comment\nt all 10 ./x # not one\n')
        t, = plan.read_plan(path, plan.read_legs(LEGS))
        self.assertEqual(t.argv, ('./x', '#', 'not', 'one'))

    def bad(self, text: str, message: str) -> None:
        path = self.write('plan', '# a plan\n' + text)
        with self.assertRaises(PlanError) as e:
            plan.read_plan(path, plan.read_legs(LEGS))
        self.assertEqual(str(e.exception), '%s:%s' % (path, message))

    def test_bad_columns(self) -> None:
        self.bad('t all 120\n',
                 '2: 3 columns, want NAME LEGS TIMEOUT COMMAND...')

    def test_bad_timeout(self) -> None:
        self.bad('t all 2m ./t\n', "2: timeout '2m' is not a positive integer")

    def test_unknown_leg(self) -> None:
        legs = ' '.join(plan.read_legs(LEGS))
        self.bad('t max-vhe,max-vhe2 10 ./t\n',
                 "2: unknown leg 'max-vhe2'; rig/testdata/legs has: " + legs)

    def test_duplicate(self) -> None:
        self.bad('t all 10 ./t\nt none 10 ./t\n',
                 '3: test t again (first at line 2)')


class Choose(unittest.TestCase):
    legs = plan.read_legs(LEGS)

    def test_select(self) -> None:
        self.assertEqual(plan.select(self.legs, []), list(self.legs))
        self.assertEqual(plan.select(self.legs, ['n1-vhe', 'max-vhe', 'n1-vhe']),
                         ['n1-vhe', 'max-vhe'])
        every = ['vmm-upgrade-3', 'vmm-upgrade-1', 'vmm-upgrade-2']
        self.assertEqual(plan.select(self.legs, every), every)

    def test_select_part_of_upgrade(self) -> None:
        with self.assertRaises(PlanError) as e:
            plan.select(self.legs, ['max-vhe', 'vmm-upgrade-2'])
        self.assertEqual(str(e.exception),
                         'the upgrade legs run together: add all of '
                         'vmm-upgrade-1 vmm-upgrade-2 vmm-upgrade-3')

    def test_unknown(self) -> None:
        for f in (plan.select, plan.chain, plan.configs):
            with self.assertRaisesRegex(PlanError, '^unknown leg max-vhf; '
                                        'rig/testdata/legs has: max-vhe '):
                f(self.legs, ['max-vhe', 'max-vhf'])

    def test_chain_and_configs(self) -> None:
        self.assertEqual(plan.chain(self.legs, ['vmm-upgrade-3', 'max-vhe',
                                                'vmm-upgrade-1']),
                         ['vmm-upgrade-1', 'vmm-upgrade-3'])
        self.assertEqual(plan.chain(self.legs, ['max-vhe']), [])
        self.assertEqual(plan.configs(self.legs, ['debug', 'vmm-upgrade-2',
                                                  'max-vhe', 'n1-vhe']),
                         ['debug', 'base', 'rig'])
        self.assertEqual(plan.configs(self.legs, []), ['rig', 'debug', 'base'])


class CommandLine(unittest.TestCase):
    def run_plan(self, *args: str) -> Tuple[int, List[str], str]:
        proc = subprocess.run(
            [sys.executable, os.path.join(RIG, 'plan.py'), '--legs', LEGS,
             '--plan', PLAN, '--vmm-plan', VMM_PLAN] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return proc.returncode, proc.stdout.splitlines(), proc.stderr

    def test_legs(self) -> None:
        self.assertEqual(self.run_plan('legs'), (0, list(plan.read_legs(LEGS)), ''))

    def test_select(self) -> None:
        self.assertEqual(self.run_plan('select', 'n1-vhe', 'debug', 'n1-vhe'),
                         (0, ['n1-vhe', 'debug'], ''))

    def test_get(self) -> None:
        want = {'name': 'vmm-upgrade-2', 'config': 'base', 'wall': '900',
                'cpu': 'neoverse-n1', 'append': 'kvm-arm.mode=nvhe kunit.enable=0',
                'ecv': 'no', 'mode': 'nvhe', 'kind': 'upgrade'}
        for field, value in want.items():
            self.assertEqual(self.run_plan('get', 'vmm-upgrade-2', field),
                             (0, [value], ''))
        self.assertEqual(self.run_plan('get', 'max-vhe', 'append'), (0, [''], ''))
        self.assertEqual(self.run_plan('get', 'max-vhe', 'ecv'), (0, ['yes'], ''))

    def test_chain_configs(self) -> None:
        self.assertEqual(self.run_plan('chain'),
                         (0, ['vmm-upgrade-1', 'vmm-upgrade-2', 'vmm-upgrade-3'], ''))
        self.assertEqual(self.run_plan('configs', 'max-vhe', 'debug', 'n1-vhe'),
                         (0, ['rig', 'debug'], ''))

    def test_tests(self) -> None:
        every = ['kvm.arch_timer', 'kvm.get-reg-list', 'kvm.counter_offset',
                 'rig.demo', 'rig.bench']
        self.assertEqual(self.run_plan('tests'), (0, every, ''))
        self.assertEqual(self.run_plan('tests', 'rig.demo', 'kvm.arch_timer'),
                         (0, ['rig.demo', 'kvm.arch_timer'], ''))
        self.assertEqual(self.run_plan('tests', 'rig.demo', 'kvm.bogus'), (
            2, [], 'rig: error: unknown test kvm.bogus; rig/testdata/plan has: %s\n'
            % ' '.join(every)))

    def test_subset(self) -> None:
        code, out, err = self.run_plan('subset', 'rig.demo', 'kvm.arch_timer')
        self.assertEqual((code, err), (0, ''))
        self.assertEqual([line.split()[0] for line in out],
                         ['kvm.arch_timer', 'rig.demo'])
        with open(PLAN) as f:
            lines = [line.strip() for line in f]
        for line in out:
            self.assertIn(line, lines)
        self.assertEqual(self.run_plan('subset', 'kvm.bogus')[0], 2)

    def test_errors(self) -> None:
        names = ' '.join(plan.read_legs(LEGS))
        for args, message in (
                (['select', 'max-vhe', 'bogus'],
                 'unknown leg bogus; rig/testdata/legs has: ' + names),
                (['select', 'vmm-upgrade-1'],
                 'the upgrade legs run together: add all of vmm-upgrade-1 '
                 'vmm-upgrade-2 vmm-upgrade-3'),
                (['get', 'bogus', 'wall'],
                 'unknown leg bogus; rig/testdata/legs has: ' + names),
                (['get', 'max-vhe', 'colour'],
                 'unknown field colour; want one of: name config wall cpu '
                 'append ecv mode kind'),
                (['chain', 'bogus'],
                 'unknown leg bogus; rig/testdata/legs has: ' + names)):
            self.assertEqual(self.run_plan(*args),
                             (2, [], 'rig: error: %s\n' % message), args)
        rc, out, err = self.run_plan('frob')
        self.assertEqual((rc, out), (2, []))
        self.assertTrue(err.startswith("rig: error: argument COMMAND: invalid "
                                       "choice: 'frob'"), err)

    def test_bad_plan_fails_every_command(self) -> None:
        with tempfile.NamedTemporaryFile('w', suffix='.plan') as f:
            f.write('t max-vhe,nope 10 ./t\n')
            f.flush()
            rc, out, err = self.run_plan('--plan', f.name, 'legs')
        self.assertEqual((rc, out), (2, []))
        self.assertEqual(err, "rig: error: %s:1: unknown leg 'nope'; "
                         "rig/testdata/legs has: %s\n" %
                         (f.name, ' '.join(plan.read_legs(LEGS))))


if __name__ == '__main__':
    unittest.main()
