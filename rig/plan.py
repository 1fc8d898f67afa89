#!/usr/bin/env python3
"""tests/legs, tests/plan and tests/vmm/plan, read and checked in one place.

Every Python script of the rig reads them through this module; the shell
scripts through its command line:
  plan.py [--legs FILE] [--plan FILE] [--vmm-plan FILE] COMMAND
    legs                every leg, in tests/legs order
    select [NAME...]    the legs to run: NAMEs checked, each once, in the
                        order given (none: every leg); the upgrade legs
                        all or none
    get LEG FIELD       one fact of a leg: name config wall cpu append
                        ecv (yes/no) mode (vhe/nvhe/protected)
                        kind (cpu/vmm/upgrade)
    chain [NAME...]     the upgrade legs among NAMEs, in tests/legs order
    configs [NAME...]   the kernel configs those legs boot, each once
    tests [NAME...]     the tests of tests/plan: NAMEs checked (none: all)
    subset NAME...      tests/plan's lines of those tests (comments
                        and other tests left out): a plan of its own
One name or value per line.  Bad input (the files or the arguments):
"rig: error: ..." on stderr, exit status 2.  Every command checks both
plans against tests/legs first.
"""
import argparse
import os
import sys
from dataclasses import dataclass
from typing import Dict, List, Mapping, NoReturn, Optional, Sequence, Tuple

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEGS = os.path.join(TOP, 'tests', 'legs')
PLAN = os.path.join(TOP, 'tests', 'plan')
VMM_PLAN = os.path.join(TOP, 'tests', 'vmm', 'plan')

# FEAT_ECV with CNTPOFF_EL2, by QEMU -cpu model (the part before the
# first comma).  A model not here is an error: add it.
CPU_ECV = {'max': True, 'neoverse-n1': False}
# kvm-arm.mode= on the kernel command line; no such option: VHE.
MODES = ('nvhe', 'protected')
FIELDS = ('name', 'config', 'wall', 'cpu', 'append', 'ecv', 'mode', 'kind')
# Words of a plan's legs column that are not leg names.
ALL, NONE = 'all', 'none'


class PlanError(Exception):
    """Bad input: the message says where (file:line) and what."""


@dataclass(frozen=True)
class Leg:
    """One line of tests/legs, with what follows from it."""
    name: str
    config: str     # the kernel config it boots (build/out/CONFIG)
    wall: int       # the host's wall-clock limit, seconds
    cpu: str        # QEMU's -cpu
    append: str     # more kernel command line, '' for none ("-")
    ecv: bool       # the CPU has FEAT_ECV with CNTPOFF_EL2
    mode: str       # KVM's mode: vhe, nvhe or protected
    kind: str       # cpu, vmm (real VMMs) or upgrade (rolling upgrade)
    path: str
    line: int

    @property
    def cntpoff(self) -> bool:
        """KVM offsets the guest's physical counter with CNTPOFF_EL2:
        only VHE does (nVHE and protected mode trap it instead)."""
        return self.ecv and self.mode == 'vhe'


@dataclass(frozen=True)
class Test:
    """One line of a test plan (tests/plan, tests/vmm/plan)."""
    name: str
    legs: Tuple[str, ...]   # leg names, or ('all',) or ('none',)
    timeout: int            # seconds of guest time
    argv: Tuple[str, ...]   # the command, run in the guest's /tests
    path: str
    line: int
    text: str               # the line as written

    def runs_on(self, leg: str) -> bool:
        return ALL in self.legs or leg in self.legs


def show(path: str) -> str:
    """path as messages give it: relative to the tree when inside it."""
    full = os.path.abspath(path)
    if os.path.commonpath([full, TOP]) == TOP:
        return os.path.relpath(full, TOP)
    return path


def leg_kind(name: str) -> str:
    """cpu, vmm or upgrade, from a leg's name."""
    if name.startswith('vmm-upgrade-'):
        return 'upgrade'
    if name.startswith('vmm-'):
        return 'vmm'
    return 'cpu'


def _lines(path: str, strip_comments: bool) -> List[Tuple[int, List[str], str]]:
    """(line number, fields, text) of the lines that are not comments."""
    out = []
    with open(path) as f:
        for n, text in enumerate(f, 1):
            text = text.strip()
            if strip_comments:
                text = text.split('#', 1)[0].strip()
            fields = text.split()
            if fields and not fields[0].startswith('#'):
                out.append((n, fields, text))
    return out


def _integer(where: str, what: str, word: str) -> int:
    try:
        value = int(word)
    except ValueError:
        value = 0
    if value <= 0:
        raise PlanError('%s: %s %r is not a positive integer' %
                        (where, what, word))
    return value


def read_legs(path: str = LEGS) -> Dict[str, Leg]:
    """tests/legs: "NAME CONFIG WALL CPU APPEND...", "-" for no APPEND;
    "#" starts a comment.  {name: Leg} in file order."""
    legs: Dict[str, Leg] = {}
    for n, fields, _ in _lines(path, strip_comments=True):
        where = '%s:%d' % (show(path), n)
        if len(fields) < 5:
            raise PlanError('%s: %d columns, want NAME CONFIG WALL CPU APPEND '
                            '("-" for no APPEND)' % (where, len(fields)))
        name, config, wall, cpu = fields[:4]
        append = fields[4:]
        if '-' in append and len(append) > 1:
            raise PlanError('%s: "-" (no APPEND) among other options' % where)
        if name in legs:
            raise PlanError('%s: leg %s again (first at line %d)' %
                            (where, name, legs[name].line))
        if name in (ALL, NONE):
            raise PlanError('%s: "%s" is not a leg name: plans use it for '
                            'legs' % (where, name))
        model = cpu.split(',')[0]
        if model not in CPU_ECV:
            raise PlanError('%s: -cpu model %s unknown (rig/plan.py CPU_ECV '
                            'has %s): add whether it has FEAT_ECV with '
                            'CNTPOFF' % (where, model, ' '.join(CPU_ECV)))
        mode = 'vhe'
        for opt in append:
            if opt.startswith('kvm-arm.mode='):
                mode = opt[len('kvm-arm.mode='):]
                if mode not in MODES:
                    raise PlanError('%s: %s: want kvm-arm.mode=%s, or none '
                                    'for VHE' % (where, opt, '|'.join(MODES)))
        legs[name] = Leg(name=name, config=config,
                         wall=_integer(where, 'wall', wall), cpu=cpu,
                         append='' if append == ['-'] else ' '.join(append),
                         ecv=CPU_ECV[model], mode=mode, kind=leg_kind(name),
                         path=path, line=n)
    if not legs:
        raise PlanError('%s: no legs' % show(path))
    return legs


def read_plan(path: str, legs: Mapping[str, Leg]) -> List[Test]:
    """A test plan: "NAME LEGS TIMEOUT COMMAND...", LEGS comma-separated
    names of legs, "all" or "none"; a line starting with "#" is a comment
    (tests/init reads it so: a "#" further on is the command's)."""
    tests: List[Test] = []
    seen: Dict[str, int] = {}
    for n, fields, text in _lines(path, strip_comments=False):
        where = '%s:%d' % (show(path), n)
        if len(fields) < 4:
            raise PlanError('%s: %d columns, want NAME LEGS TIMEOUT COMMAND...'
                            % (where, len(fields)))
        name, on = fields[0], tuple(fields[1].split(','))
        if name in seen:
            raise PlanError('%s: test %s again (first at line %d)' %
                            (where, name, seen[name]))
        seen[name] = n
        for leg in on:
            if leg not in legs and leg not in (ALL, NONE):
                raise PlanError('%s: unknown leg %r; %s has: %s' % (
                    where, leg, _legs_file(legs), ' '.join(legs)))
        tests.append(Test(name=name, legs=on,
                          timeout=_integer(where, 'timeout', fields[2]),
                          argv=tuple(fields[3:]), path=path, line=n, text=text))
    return tests


def plan_of(leg: str, plan: str = PLAN, vmm_plan: str = VMM_PLAN) -> str:
    """The plan a leg runs: the real-VMM legs theirs, the others tests/plan."""
    return plan if leg_kind(leg) == 'cpu' else vmm_plan


def tests_on(tests: Sequence[Test], leg: str) -> List[str]:
    """The names of the tests that run on leg, in plan order."""
    return [t.name for t in tests if t.runs_on(leg)]


def _legs_file(legs: Mapping[str, Leg]) -> str:
    return show(next(iter(legs.values())).path) if legs else 'tests/legs'


def unknown(legs: Mapping[str, Leg], name: str) -> PlanError:
    return PlanError('unknown leg %s; %s has: %s' %
                     (name, _legs_file(legs), ' '.join(legs)))


def _checked(legs: Mapping[str, Leg], names: Sequence[str]) -> List[str]:
    """names, each checked and once, in first-occurrence order; none: all."""
    out: List[str] = []
    for name in names or list(legs):
        if name not in legs:
            raise unknown(legs, name)
        if name not in out:
            out.append(name)
    return out


def select(legs: Mapping[str, Leg], names: Sequence[str]) -> List[str]:
    """The legs to run.  The upgrade legs hand VMs to each other: all of
    them or none."""
    out = _checked(legs, names)
    upgrade = [n for n, leg in legs.items() if leg.kind == 'upgrade']
    if any(n in out for n in upgrade) and not all(n in out for n in upgrade):
        raise PlanError('the upgrade legs run together: add all of %s' %
                        ' '.join(upgrade))
    return out


def chain(legs: Mapping[str, Leg], names: Sequence[str]) -> List[str]:
    """The upgrade legs among names, in the order they boot (tests/legs)."""
    chosen = _checked(legs, names)
    return [n for n, leg in legs.items() if leg.kind == 'upgrade' and
            n in chosen]


def configs(legs: Mapping[str, Leg], names: Sequence[str]) -> List[str]:
    """The distinct kernel configs the legs boot, first-occurrence order."""
    out: List[str] = []
    for name in _checked(legs, names):
        if legs[name].config not in out:
            out.append(legs[name].config)
    return out


def get(legs: Mapping[str, Leg], name: str, field: str) -> str:
    """One fact of a leg as the shell takes it."""
    if name not in legs:
        raise unknown(legs, name)
    if field not in FIELDS:
        raise PlanError('unknown field %s; want one of: %s' %
                        (field, ' '.join(FIELDS)))
    value = getattr(legs[name], field)
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    return str(value)


def fail(message: str) -> NoReturn:
    """The rig's way to stop on bad input."""
    print('rig: error: %s' % message, file=sys.stderr)
    sys.exit(2)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        fail('%s (%s -h)' % (message, self.prog))


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = _Parser(prog='plan.py', description=__doc__,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--legs', default=LEGS, metavar='FILE')
    p.add_argument('--plan', default=PLAN, metavar='FILE')
    p.add_argument('--vmm-plan', default=VMM_PLAN, metavar='FILE')
    sub = p.add_subparsers(dest='command', required=True, metavar='COMMAND')
    sub.add_parser('legs')
    for name in ('select', 'chain', 'configs', 'tests', 'subset'):
        sub.add_parser(name).add_argument('names', nargs='*', metavar='NAME')
    g = sub.add_parser('get')
    g.add_argument('leg')
    g.add_argument('field')
    args = p.parse_args(argv)
    try:
        legs = read_legs(args.legs)
        plan_tests = read_plan(args.plan, legs)
        tests = [t.name for t in plan_tests]
        read_plan(args.vmm_plan, legs)
        if args.command == 'legs':
            out = list(legs)
        elif args.command == 'select':
            out = select(legs, args.names)
        elif args.command == 'chain':
            out = chain(legs, args.names)
        elif args.command == 'configs':
            out = configs(legs, args.names)
        elif args.command in ('tests', 'subset'):
            for name in args.names:
                if name not in tests:
                    raise PlanError('unknown test %s; %s has: %s' % (
                        name, show(args.plan), ' '.join(tests)))
            if args.command == 'tests':
                out = args.names or tests
            else:
                out = [t.text for t in plan_tests if t.name in args.names]
        else:
            out = [get(legs, args.leg, args.field)]
    except (PlanError, OSError) as e:
        fail(str(e))
    for line in out:
        print(line)
    return 0


if __name__ == '__main__':
    sys.exit(main())
