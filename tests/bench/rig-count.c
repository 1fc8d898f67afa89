// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rig-count: a QEMU TCG plugin that counts, between two marker
 * instructions executed by the same emulated CPU, what the code in between
 * costs on hardware and not under TCG: system-register writes, ISBs, DSBs
 * and exception returns, besides instructions.  Not counted: MSR
 * (immediate) PSTATE writes and SYS instructions (TLBI, DC, IC, AT).
 *
 * Markers are HINT encodings unallocated today (NOPs on hardware and in
 * QEMU, but reserved by Arm for future hints: fit for an emulated test
 * only), put around one operation by tests/bench/rig-bench.c running in a
 * KVM guest of the emulated host:
 *   HINT #(0x60 + L)  start a sample with label L (0-15)
 *   HINT #0x7e        end the sample this CPU started
 *   HINT #0x7f        report: for each label with samples, print the mode
 *                     (the most frequent tuple of counts: the operation
 *                     with no interrupt or tick landing in it) and forget
 *                     the samples
 * Everything the host executes between the markers on that CPU counts:
 * the exit, the host's handling at EL2 and EL1, the entry.  Work done in
 * fewer than half of the samples does not show in the mode.  A sample
 * whose vCPU thread moves to another CPU is lost, or, if it moves back
 * before a later end marker, counted wrong; rig-bench pins itself to one
 * CPU, and the mode would not pick such a sample anyway.
 *
 * Output, through QEMU's log (-d plugin), one line per label:
 *   rig-count: label=L samples=N mode=M insn=I msr=W isb=S dsb=D eret=E
 * M: how many samples had the mode's counts; W: MSR (register) writes to
 * system registers; E: ERETs, exception returns.  A window starts and ends
 * in the same guest context of a loop, so its exception returns equal the
 * exceptions taken in it: the guest's HVC, data abort or trapped access,
 * the host's SVC, and in nVHE the host's HVCs.
 *
 * With the argument trace=L, it also prints the address and encoding of
 * every system-register write, ISB, DSB and ERET of label L's sample that
 * follows the first TRACE_SAMPLE ones, one "rig-count: trace ..." line
 * each, to find their code with the kernel's System.map.
 *
 * Built against qemu-plugin.h (API version 4) of the Debian QEMU source
 * package that matches the QEMU it runs in; QEMU checks the version when
 * it loads the plugin.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define HINT(imm)	(0xd503201fu | ((uint32_t)(imm) << 5))
#define MARK_START	0x60
#define NR_LABELS	16
#define MARK_STOP	0x7e
#define MARK_REPORT	0x7f
#define MAX_SAMPLES	4096

/* MSR <sysreg>, Xt: op0 = 2 or 3, L = 0 */
#define IS_MSR_REG(i)	(((i) & 0xfff00000u) == 0xd5100000u)
/* ERET, ERETAA, ERETAB */
#define IS_ERET(i)	((i) == 0xd69f03e0u || (i) == 0xd69f0bffu || (i) == 0xd69f0fffu)
/* ISB, any option */
#define IS_ISB(i)	(((i) & 0xfffff0ffu) == 0xd50330dfu)
/* DSB, any option but CRm 0 and 4 (SSBB, PSSBB); DSB nXS */
#define IS_DSB(i)	((((i) & 0xfffff0ffu) == 0xd503309fu && ((i) & 0xb00u)) || \
			 ((i) & 0xfffff3ffu) == 0xd503323fu)

struct counts {
	uint64_t insn, msr, isb, dsb, eret;
};

struct cpu_state {
	struct counts start;
	int64_t label;		/* -1: no sample open */
};

static struct qemu_plugin_scoreboard *counts_sb, *state_sb;
static qemu_plugin_u64 insn_u64, msr_u64, isb_u64, dsb_u64, eret_u64;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct counts samples[NR_LABELS][MAX_SAMPLES];
static unsigned int nr_samples[NR_LABELS];
#define TRACE_SAMPLE	100
static int64_t trace_label = -1;

static struct counts *cpu_counts(unsigned int cpu)
{
	return qemu_plugin_scoreboard_find(counts_sb, cpu);
}

static struct cpu_state *cpu_state(unsigned int cpu)
{
	return qemu_plugin_scoreboard_find(state_sb, cpu);
}

static void vcpu_init(qemu_plugin_id_t id, unsigned int cpu)
{
	cpu_state(cpu)->label = -1;
}

static void mark_start(unsigned int cpu, void *udata)
{
	struct cpu_state *s = cpu_state(cpu);

	s->start = *cpu_counts(cpu);
	s->label = (int64_t)(uintptr_t)udata;
}

static void mark_stop(unsigned int cpu, void *udata)
{
	struct cpu_state *s = cpu_state(cpu);
	struct counts *c = cpu_counts(cpu), d;
	int64_t l = s->label;

	if (l < 0)
		return;
	s->label = -1;
	d.insn = c->insn - s->start.insn;
	d.msr = c->msr - s->start.msr;
	d.isb = c->isb - s->start.isb;
	d.dsb = c->dsb - s->start.dsb;
	d.eret = c->eret - s->start.eret;
	pthread_mutex_lock(&lock);
	if (nr_samples[l] < MAX_SAMPLES)
		samples[l][nr_samples[l]++] = d;
	pthread_mutex_unlock(&lock);
}

/*
 * trace=L: the instructions counted in the sample of L after the first
 * TRACE_SAMPLE (nr_samples is read unlocked: only L's CPU changes it)
 */
struct traced {
	uint64_t pc;
	uint32_t op;
};

static void trace_insn(unsigned int cpu, void *udata)
{
	const struct traced *t = udata;
	char line[96];

	if (cpu_state(cpu)->label != trace_label || nr_samples[trace_label] != TRACE_SAMPLE)
		return;
	snprintf(line, sizeof(line), "rig-count: trace label=%lld pc=%#llx insn=%#010x\n",
		 (long long)trace_label, (unsigned long long)t->pc, (unsigned int)t->op);
	qemu_plugin_outs(line);
}

static int cmp_counts(const void *a, const void *b)
{
	const struct counts *x = a, *y = b;
	const uint64_t kx[] = { x->insn, x->msr, x->isb, x->dsb, x->eret };
	const uint64_t ky[] = { y->insn, y->msr, y->isb, y->dsb, y->eret };
	unsigned int i;

	for (i = 0; i < sizeof(kx) / sizeof(kx[0]); i++)
		if (kx[i] != ky[i])
			return kx[i] < ky[i] ? -1 : 1;
	return 0;
}

static void report_label(unsigned int l)
{
	struct counts *v = samples[l];
	unsigned int n = nr_samples[l], i, run = 1, best = 0, best_run = 0;
	char line[256];

	qsort(v, n, sizeof(*v), cmp_counts);
	for (i = 1; i <= n; i++) {
		if (i < n && !cmp_counts(&v[i], &v[i - 1])) {
			run++;
			continue;
		}
		if (run > best_run) {
			best_run = run;
			best = i - run;
		}
		run = 1;
	}
	snprintf(line, sizeof(line),
		 "rig-count: label=%u samples=%u mode=%u insn=%llu msr=%llu isb=%llu dsb=%llu eret=%llu\n",
		 l, n, best_run, (unsigned long long)v[best].insn,
		 (unsigned long long)v[best].msr, (unsigned long long)v[best].isb,
		 (unsigned long long)v[best].dsb, (unsigned long long)v[best].eret);
	qemu_plugin_outs(line);
	nr_samples[l] = 0;
}

static void mark_report(unsigned int cpu, void *udata)
{
	unsigned int l;

	pthread_mutex_lock(&lock);
	for (l = 0; l < NR_LABELS; l++)
		if (nr_samples[l])
			report_label(l);
	pthread_mutex_unlock(&lock);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), i;

	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint32_t op;

		qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(
			insn, QEMU_PLUGIN_INLINE_ADD_U64, insn_u64, 1);
		if (qemu_plugin_insn_size(insn) != sizeof(op) ||
		    qemu_plugin_insn_data(insn, &op, sizeof(op)) != sizeof(op))
			continue;
		if (trace_label >= 0 && (IS_MSR_REG(op) || IS_ISB(op) || IS_DSB(op) || IS_ERET(op))) {
			/* per translation, freed never: a diagnostic mode */
			struct traced *t = malloc(sizeof(*t));

			if (t) {
				t->pc = qemu_plugin_insn_vaddr(insn);
				t->op = op;
				qemu_plugin_register_vcpu_insn_exec_cb(insn, trace_insn,
								       QEMU_PLUGIN_CB_NO_REGS, t);
			}
		}
		if (IS_MSR_REG(op)) {
			qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(
				insn, QEMU_PLUGIN_INLINE_ADD_U64, msr_u64, 1);
		} else if (IS_ISB(op)) {
			qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(
				insn, QEMU_PLUGIN_INLINE_ADD_U64, isb_u64, 1);
		} else if (IS_DSB(op)) {
			qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(
				insn, QEMU_PLUGIN_INLINE_ADD_U64, dsb_u64, 1);
		} else if (IS_ERET(op)) {
			qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(
				insn, QEMU_PLUGIN_INLINE_ADD_U64, eret_u64, 1);
		} else if (op >= HINT(MARK_START) && op < HINT(MARK_START + NR_LABELS) &&
			   !((op - HINT(MARK_START)) & 0x1f)) {
			uintptr_t l = (op - HINT(MARK_START)) >> 5;

			qemu_plugin_register_vcpu_insn_exec_cb(insn, mark_start,
							       QEMU_PLUGIN_CB_NO_REGS,
							       (void *)l);
		} else if (op == HINT(MARK_STOP)) {
			qemu_plugin_register_vcpu_insn_exec_cb(insn, mark_stop,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
		} else if (op == HINT(MARK_REPORT)) {
			qemu_plugin_register_vcpu_insn_exec_cb(insn, mark_report,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
		}
	}
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	if (argc > 1 || (argc == 1 && (sscanf(argv[0], "trace=%" SCNd64, &trace_label) != 1 ||
					 trace_label < 0 || trace_label >= NR_LABELS))) {
		fprintf(stderr, "rig-count: the only argument is trace=LABEL (0-%d)\n", NR_LABELS - 1);
		return -1;
	}
	counts_sb = qemu_plugin_scoreboard_new(sizeof(struct counts));
	state_sb = qemu_plugin_scoreboard_new(sizeof(struct cpu_state));
	insn_u64 = qemu_plugin_scoreboard_u64_in_struct(counts_sb, struct counts, insn);
	msr_u64 = qemu_plugin_scoreboard_u64_in_struct(counts_sb, struct counts, msr);
	isb_u64 = qemu_plugin_scoreboard_u64_in_struct(counts_sb, struct counts, isb);
	dsb_u64 = qemu_plugin_scoreboard_u64_in_struct(counts_sb, struct counts, dsb);
	eret_u64 = qemu_plugin_scoreboard_u64_in_struct(counts_sb, struct counts, eret);
	qemu_plugin_register_vcpu_init_cb(id, vcpu_init);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
