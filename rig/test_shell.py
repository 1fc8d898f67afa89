"""The rig's shell side: the one warning comparator of rig/common.sh (on
fixture build logs in rig/testdata/build/), and how the entry points
refuse bad input before they build anything."""
import os
import subprocess
import tempfile
import unittest
from typing import Dict, Optional, Tuple

RIG = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(RIG)
BUILD_LOGS = os.path.join(RIG, 'testdata', 'build')
SRC_BASE = '/work/x/build/distro/src-base'
SRC_TIP = '/work/x/build/distro/src-tip'


def sh(script: str, env: Optional[Dict[str, str]] = None) -> Tuple[int, str, str]:
    """script after sourcing rig/common.sh, as the rig's scripts do."""
    proc = subprocess.run(
        ['sh', '-c', '. "$(dirname -- "$0")/common.sh"\n' + script,
         os.path.join(RIG, 'test')], cwd=TOP, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def run(argv: Tuple[str, ...], env: Dict[str, str]) -> Tuple[int, str, str]:
    proc = subprocess.run(list(argv), cwd=TOP, env=dict(os.environ, **env),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


class Warnings(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def objects(self, src: str, log: str) -> str:
        out = os.path.join(self.tmp.name, log + '.tsv')
        code, _, err = sh('object_warnings "%s" "%s" >"%s"' % (
            src, os.path.join(BUILD_LOGS, log), out))
        self.assertEqual((code, err), (0, ''))
        return out

    def test_object_warnings(self) -> None:
        with open(self.objects(SRC_TIP, 'tip.log')) as f:
            self.assertEqual(f.read().splitlines(), [
                'arch/arm64/kvm/arch_timer.o\tarch/arm64/kvm/arch_timer.c:120:5: '
                "warning: no previous prototype for 'kvm_x' [-Wmissing-prototypes]",
                'arch/arm64/kvm/arch_timer.o\tarch/arm64/kvm/arch_timer.c:130:5: '
                "warning: no previous prototype for 'kvm_x' [-Wmissing-prototypes]",
                'arch/arm64/kvm/guest.o\tarch/arm64/kvm/guest.c:55:1: '
                "warning: 'y' defined but not used [-Wunused-function]",
                'arch/arm64/kvm/guest.o\tarch/arm64/kvm/guest.c:60:12: '
                "error: 'z' undeclared (first use in this function)",
                'arch/arm64/kvm/hyp/nvhe/timer-sr.nvhe.o\t'
                'arch/arm64/kvm/hyp/nvhe/timer-sr.c:20:6: '
                "warning: symbol 'w' was not declared. Should it be static?"])

    def new(self, obj: str) -> str:
        base, tip = self.objects(SRC_BASE, 'base.log'), self.objects(SRC_TIP, 'tip.log')
        code, out, err = sh(
            'd=$(mktemp -d); obj_warnings "%s" "%s" >"$d/b"; '
            'obj_warnings "%s" "%s" >"$d/t"; new_warnings "$d/b" "$d/t"; '
            'rm -r "$d"' % (obj, base, obj, tip))
        self.assertEqual((code, err), (0, ''))
        return out

    def test_moved_warning_is_not_new_a_repeat_is(self) -> None:
        # The base has it once (line 100); the tip twice (120, 130).
        self.assertEqual(self.new('arch/arm64/kvm/arch_timer.o'),
                         'arch/arm64/kvm/arch_timer.c:130:5: warning: no previous '
                         "prototype for 'kvm_x' [-Wmissing-prototypes]\n")

    def test_new_error_relative_prefix(self) -> None:
        self.assertEqual(self.new('arch/arm64/kvm/guest.o'),
                         "arch/arm64/kvm/guest.c:60:12: error: 'z' undeclared "
                         '(first use in this function)\n')

    def test_new_object(self) -> None:
        self.assertEqual(self.new('arch/arm64/kvm/hyp/nvhe/timer-sr.nvhe.o'),
                         'arch/arm64/kvm/hyp/nvhe/timer-sr.c:20:6: warning: '
                         "symbol 'w' was not declared. Should it be static?\n")

    def test_sparse_lines(self) -> None:
        # check.sh: sparse output | warning_keys, base against tip.
        code, out, err = sh(
            'd=$(mktemp -d)\n'
            "printf 'a.c:1:2: warning: x\\nb.c:3:1: warning: y\\n' | warning_keys >\"$d/b\"\n"
            "printf 'a.c:9:2: warning: x\\na.c:10:2: warning: x\\nb.c:4:1: warning: y\\n' "
            '| warning_keys >"$d/t"\n'
            'new_warnings "$d/b" "$d/t"; rm -r "$d"')
        self.assertEqual((code, out, err), (0, 'a.c:10:2: warning: x\n', ''))


class BadInput(unittest.TestCase):
    """Each entry point stops on bad input at once, saying how to fix it,
    and make check prints its closing line without touching build/logs."""

    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.env = {'BUILD': self.tmp.name}

    def test_check_legs(self) -> None:
        logs = os.path.join(self.tmp.name, 'logs')
        os.makedirs(logs)
        with open(os.path.join(logs, 'report.json'), 'w') as f:
            f.write('earlier\n')
        code, out, err = run(('rig/check.sh',),
                             dict(self.env, LEGS='max-vhe bogus'))
        self.assertEqual(code, 2)
        self.assertEqual(out.splitlines()[-1], '0 passed, 1 failed, 0 skipped')
        self.assertIn('unknown leg bogus; tests/legs has: max-vhe', err)
        self.assertIn('LEGS="max-vhe n1-nvhe"', out)
        self.assertEqual(os.listdir(logs), ['report.json'])

    def test_run_leg(self) -> None:
        code, _, err = run(('rig/run.sh',), dict(self.env, LEG='bogus'))
        self.assertNotEqual(code, 0)
        self.assertIn('LEG=bogus: name one leg of tests/legs', err)
        code, _, err = run(('rig/run.sh',), dict(self.env, LEG='vmm-upgrade-1'))
        self.assertNotEqual(code, 0)
        self.assertIn('LEG=vmm-upgrade-1 is a real-VMM leg', err)

    def test_legs_sh(self) -> None:
        code, _, err = run(('rig/legs.sh',), self.env)
        self.assertNotEqual(code, 0)
        self.assertIn('usage: legs.sh LEG...', err)
        code, _, err = run(('rig/legs.sh', 'vmm-upgrade-2'), self.env)
        self.assertNotEqual(code, 0)
        self.assertIn('the upgrade legs run together', err)

    def test_numbers(self) -> None:
        for argv, env, message in (
                (('rig/bench.sh',), {'ROUNDS': 'abc'}, 'ROUNDS=abc'),
                (('rig/bench.sh',), {'LEGS': 'vmm-n1-vhe'}, 'not a CPU leg'),
                (('rig/check.sh',), {'JOBS': 'x'}, 'JOBS=x'),
                (('rig/portability.sh',), {'WALL': '10m'}, 'WALL=10m')):
            code, _, err = run(argv, dict(self.env, **env))
            self.assertNotEqual(code, 0, argv)
            self.assertIn(message, err, argv)


if __name__ == '__main__':
    unittest.main()
