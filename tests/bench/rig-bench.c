// SPDX-License-Identifier: GPL-2.0
/*
 * rig-bench: what the series costs on the paths it touches, measured by a
 * guest in its own counter ticks.  Run by rig/bench.sh inside QEMU with a
 * fixed icount, where guest time is a function of executed instructions,
 * on the unpatched base and on the patched kernel alike, so that the
 * ratios of the two are meaningful.
 *
 * For a VM without and with a counter offset, the guest times NR_OPS of:
 *   hvc     an SMCCC_VERSION hypercall, answered by KVM: a full exit round
 *           trip through the host's run loop, without userspace
 *   cntvct  an ISB + CNTVCT_EL0 read (never trapped)
 *   cntpct  an ISB + CNTPCT_EL0 read (trapped under an offset without
 *           CNTPOFF_EL2)
 * (the counter reads in READ_CHUNKS chunks, each per-read cost the least
 * over the chunks, so that the host ticks landing in some of them do not
 * count) and prints one line per VM:
 *   rig-bench: offset=0|1 hvc=T cntvct=T cntpct=T traps=N
 * with T in counter ticks per operation (fractional) and N the vCPU's
 * phys_counter_traps (-1 where the kernel has no such statistic).
 *
 * The offset: KVM_ARM_SET_COUNTER_OFFSET where the kernel has it; on the
 * base, which has no physical offset, the virtual offset set through
 * KVM_REG_ARM_TIMER_CNT, the best a VMM can do there.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "rig-util.h"

#define NR_OPS		100000
#define READ_CHUNKS	100
#define READ_CHUNK	(NR_OPS / READ_CHUNKS)
#define BENCH_OFFSET	(1ULL << 40)
#define SMCCC_VERSION	0x80000000

enum { OP_HVC, OP_CNTVCT, OP_CNTPCT, NR_BENCH_OPS };
static const char * const op_names[] = { "hvc", "cntvct", "cntpct" };

static inline uint64_t ticks(void)
{
	uint64_t v;

	asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v) :: "memory");
	return v;
}

static uint64_t time_cntvct_reads(void)
{
	uint64_t t = ticks(), i, v;

	for (i = 0; i < READ_CHUNK; i++)
		asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v) :: "memory");
	return ticks() - t;
}

static uint64_t time_cntpct_reads(void)
{
	uint64_t t = ticks(), i, v;

	for (i = 0; i < READ_CHUNK; i++)
		asm volatile("isb; mrs %0, cntpct_el0" : "=r"(v) :: "memory");
	return ticks() - t;
}

/* NR_OPS reads in all; the chunk's ticks scaled to NR_OPS, for the caller */
static uint64_t least_of(uint64_t (*fn)(void))
{
	uint64_t best = ~0ULL, t;
	int chunk;

	for (chunk = 0; chunk < READ_CHUNKS; chunk++) {
		t = fn();
		best = t < best ? t : best;
	}
	return best * READ_CHUNKS;
}

static void guest_code(void)
{
	struct arm_smccc_res res;
	uint64_t t, i;

	t = ticks();
	for (i = 0; i < NR_OPS; i++)
		smccc_hvc(SMCCC_VERSION, 0, 0, 0, 0, 0, 0, 0, &res);
	GUEST_SYNC_ARGS(OP_HVC, ticks() - t, 0, 0, 0);

	GUEST_SYNC_ARGS(OP_CNTVCT, least_of(time_cntvct_reads), 0, 0, 0);
	GUEST_SYNC_ARGS(OP_CNTPCT, least_of(time_cntpct_reads), 0, 0, 0);

	GUEST_DONE();
}

static void bench(bool offset)
{
	double per_op[NR_BENCH_OPS] = {};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	bool done = false;

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	ucall_init(vm, NULL);
	if (offset && kvm_check_cap(KVM_CAP_COUNTER_OFFSET)) {
		struct kvm_arm_counter_offset off = { .counter_offset = BENCH_OFFSET };

		vm_ioctl(vm, KVM_ARM_SET_COUNTER_OFFSET, &off);
	} else if (offset) {
		vcpu_set_reg(vcpu, KVM_REG_ARM_TIMER_CNT, 1);
	}

	while (!done) {
		vcpu_run(vcpu);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			TEST_ASSERT(uc.args[1] < NR_BENCH_OPS, "op %lu", uc.args[1]);
			per_op[uc.args[1]] = (double)uc.args[2] / NR_OPS;
			break;
		case UCALL_DONE:
			done = true;
			break;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("unexpected exit %d", vcpu->run->exit_reason);
		}
	}

	printf("rig-bench: offset=%d %s=%.3f %s=%.3f %s=%.3f traps=%ld\n", offset,
	       op_names[OP_HVC], per_op[OP_HVC], op_names[OP_CNTVCT], per_op[OP_CNTVCT],
	       op_names[OP_CNTPCT], per_op[OP_CNTPCT], rig_vcpu_stat(vcpu, "phys_counter_traps"));
	fflush(stdout);
	kvm_vm_free(vm);
}

int main(void)
{
	cpu_set_t cpus;

	/* One CPU, always the same: the other one stays idle */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(cpus), &cpus), "pin to CPU 0");
	printf("rig-bench: counter frequency %lu Hz, %d operations each\n",
	       read_sysreg(cntfrq_el0), NR_OPS);
	bench(false);
	bench(true);
	return 0;
}
