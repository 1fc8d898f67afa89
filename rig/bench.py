#!/usr/bin/env python3
"""Turn make bench's logs into one table of ratios, a JSON file and a chart.

Input: DIR/logs/ROUND-LEG-KERNEL.log (KERNEL: base or patched), each with
the lines tests/bench/rig-bench.c prints:
    rig-bench: offset=0|1 hvc=T cntvct=T cntpct=T traps=N
    rig-bench: noirqchip offset=0 hvc=T cntvct=T cntpct=T traps=N
    rig-bench: irq offset=0|1 vtimer_p50=L vtimer_p99=L ptimer_p50=L ptimer_p99=L
(T: guest counter ticks per operation, N: phys_counter_traps or -1; the
first lines from VMs with a vGICv3, the noirqchip one without a vGIC; L:
ticks from a timer's deadline to its interrupt handler, median and 99th
percentile over 500 interrupts per timer).

DIR/logs/extra-LEG-patched.log holds the timer_user_irq and stolen_time
selftests' output on the patched kernel, for figures 5 and 6: exits per
timer interrupt and per idle second with a userspace irqchip, and the
error of stolen time against the vCPU thread's run delay.

DIR/logs/count-LEG-KERNEL.log holds figure 7, the counts per operation of
"rig-bench count" under the rig-count plugin (tests/bench/rig-count.c):
    rig-count: label=L samples=N mode=M insn=I msr=W isb=S dsb=D eret=E
with L = 3 * VM + OP (VM 0: vGICv3 offset 0, 1: vGICv3 offset, 2: no
vGIC offset 0; OP 0: HVC round trip, 1: exit to userspace and back, 2:
CNTPCT read).  Judged at offset 0: with a vGICv3 the patched kernel
executes no system register write, ISB, DSB or ERET more than the base on
any operation; without a vGIC no ERET more, and more writes, ISBs or DSBs
make the row reported rather than passed (patch 37 sets up the GICv3
traps that make ICC_* UNDEF, as mainline does for a VM without a vGIC,
at every nVHE entry and exit and every VHE vcpu_load and vcpu_put).  With
an offset the counts are reported.

Every ratio figure is a ratio of two measurements from the same boot (counter
reads) or from the same round (patched / base), and is reported as the
median over the rounds with its min-max spread.  A goal is met when the
median is within it and the spread no wider than the goal's margin;
otherwise, if the spread is wider than the margin, the result is
inconclusive rather than a pass or a fail.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Mapping,
                    NamedTuple, Optional, Tuple)

from plan import LEGS, PlanError, fail, read_legs

LINE = re.compile(r'rig-bench: offset=(\d) hvc=([\d.]+) cntvct=([\d.]+) '
                  r'cntpct=([\d.]+) traps=(-?\d+)')
NOIRQ_LINE = re.compile(r'rig-bench: noirqchip offset=0 hvc=([\d.]+) ')
IRQ_LINE = re.compile(r'rig-bench: irq offset=(\d) vtimer_p50=(\d+) vtimer_p99=(\d+) '
                      r'ptimer_p50=(\d+) ptimer_p99=(\d+)')
IRQ_KEYS = ('vtimer_p50', 'vtimer_p99', 'ptimer_p50', 'ptimer_p99')
# The figures: key in ratios(), name, short chart label, the goal it is
# judged against with its margin, and where: on every leg, only on the
# legs where KVM uses CNTPOFF_EL2 (ECV: -cpu max, FEAT_ECV with CNTPOFF,
# and VHE; tests/legs and Leg.cntpoff in rig/plan.py) or the others
# (NO_ECV: their physical counter traps with an offset), or judged on the
# ECV legs and only reported on the others (REPORT_NO_ECV).
ALL, ECV, NO_ECV, REPORT_NO_ECV = 'all', 'ecv', 'no-ecv', 'report-no-ecv'
FIGURES = (
    ('hvc0', '1 HVC round trip, offset 0 (patched/base)', 'hvc', 1.01, 0.01, ALL),
    ('hvc0u', '1 HVC round trip, no vGIC, offset 0 (patched/base)', 'hvc noirqchip',
     1.01, 0.01, ALL),
    ('hvc1', '2 HVC round trip, offset (patched/base)', 'hvc+off', 1.01, 0.01,
     REPORT_NO_ECV),
    ('vct_pb', '3 CNTVCT read (patched/base)', 'cntvct', 1.01, 0.01, ALL),
    ('pct0', '3 CNTPCT/CNTVCT read, offset 0', 'cntpct/vct', 1.01, 0.01, ALL),
    ('pct1', '3 CNTPCT/CNTVCT read, offset', 'cntpct/vct+off', 1.01, 0.01, ECV),
    ('pct1_hvc', '3 trapped CNTPCT read / HVC round trip, offset', 'trap/hvc+off',
     0.5, 0.05, NO_ECV),
    ('vtimer_p50', '4 vtimer IRQ lateness p50, offset 0 (patched/base)', 'virq p50',
     1.01, 0.01, ALL),
    ('vtimer_p99', '4 vtimer IRQ lateness p99, offset 0 (patched/base)', 'virq p99',
     1.01, 0.01, ALL),
    ('ptimer_p50', '4 ptimer IRQ lateness p50, offset 0 (patched/base)', 'pirq p50',
     1.01, 0.01, ALL),
    ('ptimer_p99', '4 ptimer IRQ lateness p99, offset 0 (patched/base)', 'pirq p99',
     1.01, 0.01, ALL),
)

# Figures 5 and 6, from one boot of the patched kernel per leg: key, name,
# goal (value <= goal passes).
EXTRA = (
    ('uirq_intr', '5 user irqchip: KVM_EXIT_INTR per timer interrupt, worst case', 2),
    ('uirq_idle', '5 user irqchip: exits per second of idle guest, timers off/masked', 0),
    ('steal_err', '6 stolen time: error against the run delay, %', 1),
)
# Figure 7
COUNT_LINE = re.compile(r'rig-count: label=(\d+) samples=(\d+) mode=(\d+) insn=(\d+) '
                        r'msr=(\d+) isb=(\d+) dsb=(\d+) eret=(\d+)')
COUNT_KEYS = ('insn', 'msr', 'isb', 'dsb', 'eret')
BARRIERS = ('msr', 'isb', 'dsb')
COUNT_VMS = ('offset 0', 'offset', 'no vGIC, offset 0')
COUNT_OPS = ('HVC round trip', 'exit to userspace (vcpu_put+load)', 'CNTPCT read')
UIRQ_INTR = re.compile(r'# irq: per interrupt: [\d.]+ KVM_EXIT_INTR \(worst case ([\d.]+)\)')
UIRQ_IDLE = re.compile(r'# idle: offset \S+ .*: (\d+) exits, ([\d.]+) s')
STEAL_ERR = re.compile(r'# accuracy: .* error ([\d.]+)%')

# A figure over the rounds: median, min, max, n (rounds).
Summary = Dict[str, float]
# One operation's counts (figure 7): samples, mode, insn, msr, isb, dsb, eret.
Counts = Dict[str, int]


class Offset(NamedTuple):
    """One rig-bench line: guest ticks per operation, traps."""
    hvc: float
    cntvct: float
    cntpct: float
    traps: int


@dataclass
class Boot:
    """What one boot's log measured."""
    offsets: Dict[int, Offset] = field(default_factory=dict)
    noirqchip: Optional[float] = None   # HVC round trip without a vGIC
    irq: Dict[int, Dict[str, int]] = field(default_factory=dict)  # by offset


class Row(NamedTuple):
    """A figure of one leg, judged."""
    figure: str
    short: str      # the chart's label
    value: Optional[Summary]
    goal: str
    verdict: str    # pass, fail, inconclusive, missing or report


class TableRow(NamedTuple):
    leg: str
    figure: str
    short: str
    value: Optional[Summary]
    goal: str
    verdict: str


class CountRow(NamedTuple):
    """Figure 7: one operation of one VM."""
    what: str
    base: Optional[Counts]
    patched: Optional[Counts]
    verdict: str


def log_lines(path: str) -> Iterator[str]:
    """The lines of a boot's log; none if the boot left no log"""
    try:
        with open(path, errors='replace') as f:
            yield from f
    except OSError:
        return


def parse_extra(path: str) -> Dict[str, float]:
    """{key: worst value} for the EXTRA figures found in one log"""
    found: Dict[str, List[float]] = {}
    for line in log_lines(path):
        m = UIRQ_INTR.search(line)
        if m:
            found.setdefault('uirq_intr', []).append(float(m.group(1)))
        m = UIRQ_IDLE.search(line)
        if m and float(m.group(2)) > 0:
            found.setdefault('uirq_idle', []).append(int(m.group(1)) / float(m.group(2)))
        m = STEAL_ERR.search(line)
        if m:
            found.setdefault('steal_err', []).append(float(m.group(1)))
    return {k: max(v) for k, v in found.items()}


def parse(path: str) -> Boot:
    """The rig-bench lines of one boot's log (the last of each kind wins)"""
    out = Boot()
    for line in log_lines(path):
        m = LINE.search(line)
        if m:
            out.offsets[int(m.group(1))] = Offset(
                hvc=float(m.group(2)), cntvct=float(m.group(3)),
                cntpct=float(m.group(4)), traps=int(m.group(5)))
        m = NOIRQ_LINE.search(line)
        if m:
            out.noirqchip = float(m.group(1))
        m = IRQ_LINE.search(line)
        if m:
            out.irq[int(m.group(1))] = dict(
                zip(IRQ_KEYS, (int(g) for g in m.groups()[1:])))
    return out


def parse_counts(lines: Iterable[str]) -> Dict[int, Counts]:
    """{label: {'samples', 'mode', 'insn', 'msr', 'isb', 'dsb', 'eret'}} from a
    count boot's log lines (the last report of a label wins)"""
    out: Dict[int, Counts] = {}
    for line in lines:
        m = COUNT_LINE.search(line)
        if m:
            v = [int(g) for g in m.groups()]
            out[v[0]] = dict(zip(('samples', 'mode') + COUNT_KEYS, v[1:]))
    return out


def count_rows(base: Mapping[int, Counts],
               patched: Mapping[int, Counts]) -> List[CountRow]:
    """Figure 7 rows: (what, base counts, patched counts, verdict).  At
    offset 0 a system register write, ISB, DSB or ERET more than the base
    fails with a vGICv3 (VM 0); without a vGIC (VM 2) an ERET more fails
    and a write, ISB or DSB more is reported; a mode held by half the
    samples or fewer is inconclusive (interrupts landed in most of them);
    with an offset (VM 1) every row is reported."""
    rows: List[CountRow] = []
    for vm, vm_name in enumerate(COUNT_VMS):
        for op, op_name in enumerate(COUNT_OPS):
            label = vm * len(COUNT_OPS) + op
            b, p = base.get(label), patched.get(label)
            if b is None or p is None:
                v = 'missing'
            elif any(2 * c['mode'] <= c['samples'] for c in (b, p)):
                v = 'inconclusive'
            elif vm == 1:
                v = 'report'
            elif p['eret'] > b['eret'] or (vm == 0 and any(p[k] > b[k] for k in BARRIERS)):
                v = 'fail'
            else:
                v = 'pass' if all(p[k] <= b[k] for k in BARRIERS) else 'report'
            rows.append(CountRow('%s, %s' % (op_name, vm_name), b, p, v))
    return rows


def fmt_count(b: Optional[Counts], p: Optional[Counts], key: str) -> str:
    if b is None or p is None:
        return 'n/a'
    return '%d -> %d (%+d)' % (b[key], p[key], p[key] - b[key])


def summary(values: List[float]) -> Optional[Summary]:
    if not values:
        return None
    return {'median': statistics.median(values), 'min': min(values),
            'max': max(values), 'n': len(values)}


def verdict(s: Optional[Summary], goal: float, margin: float) -> str:
    """pass / fail / inconclusive for 'ratio <= goal' with a margin"""
    if s is None:
        return 'missing'
    if s['max'] - s['min'] > margin:
        return 'inconclusive'
    return 'pass' if s['median'] <= goal else 'fail'


def ratios(runs: Mapping[Tuple[int, str, str], Boot], leg: str,
           rounds: int) -> Dict[str, Optional[Summary]]:
    """The figures for one leg, each a list of per-round values."""
    f: Dict[str, List[float]] = {
        k: [] for k in ('hvc0', 'hvc1', 'vct_pb', 'pct0', 'pct1',
                        'pct1_hvc', 'traps1', 'hvc0u') + IRQ_KEYS}
    for r in range(1, rounds + 1):
        base, patched = runs.get((r, leg, 'base')), runs.get((r, leg, 'patched'))
        if not base or not patched or 0 not in base.offsets or \
                1 not in base.offsets or 0 not in patched.offsets or \
                1 not in patched.offsets:
            continue
        b, p = base.offsets, patched.offsets
        f['hvc0'].append(p[0].hvc / b[0].hvc)
        f['hvc1'].append(p[1].hvc / b[1].hvc)
        f['vct_pb'].append(p[0].cntvct / b[0].cntvct)
        f['pct0'].append(p[0].cntpct / p[0].cntvct)
        f['pct1'].append(p[1].cntpct / p[1].cntvct)
        f['pct1_hvc'].append(p[1].cntpct / p[1].hvc)
        f['traps1'].append(p[1].traps)
        if base.noirqchip is not None and patched.noirqchip is not None:
            f['hvc0u'].append(patched.noirqchip / base.noirqchip)
        if 0 in base.irq and 0 in patched.irq:
            for k in IRQ_KEYS:
                f[k].append(patched.irq[0][k] / base.irq[0][k])
    return {k: summary(v) for k, v in f.items()}


def rows_for(ecv: bool, fig: Mapping[str, Optional[Summary]]) -> List[Row]:
    """The judged figures of one leg; ecv: KVM uses CNTPOFF_EL2 there"""
    rows: List[Row] = []
    for key, name, short, goal, margin, where in FIGURES:
        if (where == ECV and not ecv) or (where == NO_ECV and ecv):
            continue
        if where == REPORT_NO_ECV and not ecv:
            rows.append(Row(name, short, fig[key], 'report', 'report'))
        else:
            rows.append(Row(name, short, fig[key], '<= %g' % goal,
                            verdict(fig[key], goal, margin)))
    for key, name, egoal in EXTRA:
        s = fig.get(key)
        rows.append(Row(name, key, s, '<= %g' % egoal, verdict(s, egoal, 0)))
    return rows


def fmt(s: Optional[Summary]) -> str:
    if s is None:
        return 'n/a'
    return '%.4f [%.4f-%.4f]' % (s['median'], s['min'], s['max'])


def chart(path_png: str, table: List[TableRow]) -> bool:
    """The medians with their min-max as error bars (gnuplot): the figures
    judged against 1.01 on the left, trapped read / round trip on the right."""
    base = path_png[:-4]
    panels: Tuple[Tuple[str, Callable[[str], bool]], ...] = (
        ('ratio', lambda n: n[0] in '1234' and 'trapped' not in n),
        ('trap', lambda n: 'trapped' in n))
    for suffix, keep in panels:
        with open('%s-%s.dat' % (base, suffix), 'w') as f:
            i = 0
            for leg, name, short, s, goal, _ in table:
                if s is None or not keep(name):
                    continue
                f.write('%d "%s %s" %f %f %f\n' % (
                    i, leg, short, s['median'], s['min'], s['max']))
                i += 1
    plot = ('plot "%s-%s.dat" using 1:3:xtic(2) with boxes notitle, '
            '"" using 1:3:4:5 with yerrorbars lc rgb "black" pt 0 notitle, '
            '%s with lines dashtype 2 title "goal %s"')
    script = '\n'.join([
        'set terminal pngcairo size 1400,700 noenhanced',
        'set output "%s"' % path_png,
        'set multiplot layout 1,2',
        'set style fill solid 0.5', 'set boxwidth 0.7', 'set grid ytics',
        'set xtics rotate by -60 font ",8"',
        'set size 0.78,1', 'set origin 0,0',
        'set title "make bench (fixed icount, median and min-max over rounds): '
        'patched / base, or CNTPCT / CNTVCT read, IRQ lateness patched / base"',
        'set yrange [0.95:1.05]',
        plot % (base, 'ratio', '1.01', '1.01'),
        'set size 0.22,1', 'set origin 0.78,0',
        'set title "trapped CNTPCT / HVC"',
        'set yrange [0:0.6]',
        plot % (base, 'trap', '0.5', '0.5'),
        'unset multiplot',
    ])
    try:
        subprocess.run(['gnuplot'], input=script, text=True, check=True,
                       capture_output=True)
        return True
    except (OSError, subprocess.CalledProcessError) as e:
        print('bench: no chart (%s)' % e, file=sys.stderr)
        return False


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--dir', required=True)
    p.add_argument('--rounds', type=int, required=True)
    p.add_argument('--qemu', default='')
    p.add_argument('--count-qemu', default='')
    p.add_argument('legs', nargs='+')
    args = p.parse_args()
    legs = read_legs(LEGS)
    for leg in args.legs:
        if leg not in legs:
            fail('unknown leg %s; tests/legs has: %s' % (leg, ' '.join(legs)))

    runs: Dict[Tuple[int, str, str], Boot] = {}
    for r in range(1, args.rounds + 1):
        for leg in args.legs:
            for k in ('base', 'patched'):
                runs[(r, leg, k)] = parse(os.path.join(
                    args.dir, 'logs', '%d-%s-%s.log' % (r, leg, k)))

    table: List[TableRow] = []
    result: Dict[str, Any] = {
        'qemu': args.qemu, 'rounds': args.rounds, 'icount': 'shift=3,sleep=off',
        'count_qemu': args.count_qemu, 'legs': {}}
    for leg in args.legs:
        fig = ratios(runs, leg, args.rounds)
        extra = parse_extra(os.path.join(args.dir, 'logs', 'extra-%s-patched.log' % leg))
        for key, _, _ in EXTRA:
            fig[key] = summary([extra[key]] if key in extra else [])
        result['legs'][leg] = {'figures': fig, 'rows': []}
        for name, short, s, goal, v in rows_for(legs[leg].cntpoff, fig):
            table.append(TableRow(leg, name, short, s, goal, v))
            result['legs'][leg]['rows'].append(
                {'figure': name, 'value': s, 'goal': goal, 'verdict': v})
        traps = fig['traps1']
        result['legs'][leg]['counter_traps_with_offset'] = \
            traps['median'] if traps else None

    lines = ['| leg | figure | median [min-max] | goal | verdict |',
             '|---|---|---|---|---|']
    for leg, name, _, s, goal, v in table:
        lines.append('| %s | %s | %s | %s | %s |' % (leg, name, fmt(s), goal, v))
    for leg in args.legs:
        t = result['legs'][leg]['counter_traps_with_offset']
        lines.append('| %s | CNTPCT reads trapped, offset (of 100000) | %s | %s | |' % (
            leg, 'n/a' if t is None else '%d' % t,
            '0' if legs[leg].cntpoff else '100000'))
    counts: List[str] = []
    lines += ['', '7 counts per operation, base -> patched (patched - base): the mode '
              'of its samples, in %s without -icount' % (args.count_qemu or 'QEMU'), '',
              '| leg | operation, VM | system register writes | ISBs | DSBs | ERETs '
              '(exception returns = exceptions taken) | instructions | verdict |',
              '|---|---|---|---|---|---|---|---|']
    for leg in args.legs:
        base, patched = (parse_counts(log_lines(os.path.join(
            args.dir, 'logs', 'count-%s-%s.log' % (leg, k)))) for k in ('base', 'patched'))
        result['legs'][leg]['counts'] = []
        for row in count_rows(base, patched):
            b, pa = row.base, row.patched
            lines.append('| %s | %s | %s | %s | %s | %s | %s | %s |' % (
                leg, row.what, fmt_count(b, pa, 'msr'), fmt_count(b, pa, 'isb'),
                fmt_count(b, pa, 'dsb'), fmt_count(b, pa, 'eret'), fmt_count(b, pa, 'insn'),
                row.verdict))
            result['legs'][leg]['counts'].append(
                {'operation': row.what, 'base': b, 'patched': pa, 'verdict': row.verdict})
            counts.append(row.verdict)
    text = '\n'.join(lines) + '\n'
    with open(os.path.join(args.dir, 'bench.txt'), 'w') as f:
        f.write(text)
    with open(os.path.join(args.dir, 'bench.json'), 'w') as f:
        json.dump(result, f, indent=1)
    chart(os.path.join(args.dir, 'bench.png'), table)
    print(text, end='')
    verdicts = [r.verdict for r in table] + counts
    bad = [v for v in verdicts if v in ('fail', 'missing')]
    print('bench: %d figures, %d fail or missing, %d inconclusive' % (
        len(verdicts), len(bad), verdicts.count('inconclusive')))
    return 1 if bad else 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except PlanError as e:
        fail(str(e))
