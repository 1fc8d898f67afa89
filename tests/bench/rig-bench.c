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
 * phys_counter_traps (-1 where the kernel has no such statistic).  These
 * VMs have a vGICv3, as VMMs give their VMs; the same without one (a
 * userspace irqchip, whose exits take other paths) prints
 *   rig-bench: noirqchip offset=0 hvc=T cntvct=T cntpct=T traps=N
 *
 * The offset: KVM_ARM_SET_COUNTER_OFFSET where the kernel has it; on the
 * base, which has no physical offset, the virtual offset set through
 * KVM_REG_ARM_TIMER_CNT, the best a VMM can do there.
 *
 * Timer accuracy, in a VM with a vGICv3: the guest arms its virtual and
 * physical timers in turn, NR_IRQS times, at pseudo-random deadlines
 * 100 us to 1.1 ms ahead (the same sequence on every kernel), waits in WFI,
 * and its handler notes how late it runs: counter - CVAL, in ticks.  One
 * line per VM gives the median and 99th percentile per timer:
 *   rig-bench: irq offset=0|1 vtimer_p50=T vtimer_p99=T ptimer_p50=T ptimer_p99=T
 *
 * "rig-bench count" instead counts, with the QEMU plugin rig-count.c, what
 * one operation executes on the emulated host: the guest puts marker HINTs
 * (NOPs) around COUNT_OPS of each of
 *   hvc     an SMCCC_VERSION hypercall (no userspace)
 *   exit    an exit to userspace and back: a write to an unbacked page,
 *           which KVM_RUN returns as KVM_EXIT_MMIO, and the next KVM_RUN
 *           (one vcpu_put and one vcpu_load; a ucall's completion is an
 *           immediate-exit KVM_RUN of its own, with its own pair)
 *   cntpct  an ISB + CNTPCT_EL0 read
 * in the same three VMs (vGICv3 offset 0, vGICv3 offset, no vGIC offset 0),
 * one label each, and the plugin prints the mode per label:
 *   rig-count: label=3*VM+OP samples=N mode=M insn=I msr=W isb=S dsb=D eret=E
 * with VM 0, 1, 2 and OP 0 (hvc), 1 (exit), 2 (cntpct) in that order.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "arch_timer.h"
#include "gic.h"
#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "vgic.h"
#include "rig-util.h"

#define NR_OPS		100000
#define READ_CHUNKS	100
#define READ_CHUNK	(NR_OPS / READ_CHUNKS)
#define BENCH_OFFSET	(1ULL << 40)
#define SMCCC_VERSION	0x80000000

#define NR_IRQS		1000
#define GICD_BASE_GPA	0x8000000ULL
#define GICR_BASE_GPA	0x80A0000ULL

enum { OP_HVC, OP_CNTVCT, OP_CNTPCT, NR_BENCH_OPS };

#define COUNT_OPS	200
enum { COUNT_HVC, COUNT_EXIT, COUNT_CNTPCT, NR_COUNT_OPS };

/* rig-count's markers: HINT #0x60 + label starts a sample, #0x7e ends it */
#define COUNT_MARK(imm)	asm volatile("hint #" #imm ::: "memory")
static uint64_t count_vm;	/* the VM's number, set by the host */
static uint64_t count_mmio;	/* an unbacked page, identity mapped */

/* Timer accuracy: shared with the guest */
static uint32_t vtimer_irq, ptimer_irq;
static uint64_t lateness[2][NR_IRQS / 2];	/* ticks past CVAL, per timer */
static uint64_t nr_fired[2];
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

static void count_start(uint64_t label)
{
	switch (label) {
	case 0: COUNT_MARK(0x60); break;
	case 1: COUNT_MARK(0x61); break;
	case 2: COUNT_MARK(0x62); break;
	case 3: COUNT_MARK(0x63); break;
	case 4: COUNT_MARK(0x64); break;
	case 5: COUNT_MARK(0x65); break;
	case 6: COUNT_MARK(0x66); break;
	case 7: COUNT_MARK(0x67); break;
	case 8: COUNT_MARK(0x68); break;
	default: GUEST_ASSERT(0);
	}
}

static void guest_count_code(void)
{
	uint64_t label = count_vm * NR_COUNT_OPS, v;
	struct arm_smccc_res res;
	int i;

	for (i = 0; i < COUNT_OPS; i++) {
		count_start(label + COUNT_HVC);
		smccc_hvc(SMCCC_VERSION, 0, 0, 0, 0, 0, 0, 0, &res);
		COUNT_MARK(0x7e);
	}
	for (i = 0; i < COUNT_OPS; i++) {
		count_start(label + COUNT_EXIT);
		WRITE_ONCE(*(volatile uint64_t *)count_mmio, 0);
		COUNT_MARK(0x7e);
	}
	for (i = 0; i < COUNT_OPS; i++) {
		count_start(label + COUNT_CNTPCT);
		asm volatile("isb; mrs %0, cntpct_el0" : "=r"(v) :: "memory");
		COUNT_MARK(0x7e);
	}
	COUNT_MARK(0x7f);	/* report */
	GUEST_DONE();
}

static void guest_timer_irq(struct ex_regs *regs)
{
	uint32_t intid = gic_get_and_ack_irq();
	int t = intid == ptimer_irq;
	enum arch_timer timer = t ? PHYSICAL : VIRTUAL;

	if (intid == vtimer_irq || intid == ptimer_irq) {
		uint64_t late = timer_get_cntct(timer) - timer_get_cval(timer);

		timer_set_ctl(timer, CTL_IMASK);
		if (nr_fired[t] < NR_IRQS / 2)
			lateness[t][nr_fired[t]] = late;
		nr_fired[t]++;
	}
	gic_set_eoi(intid);
}

static void guest_timer_code(void)
{
	uint64_t freq = timer_get_cntfrq(), x = 88172645463325252ULL;
	int i;

	gic_init(GIC_V3, 1, (void *)GICD_BASE_GPA, (void *)GICR_BASE_GPA);
	gic_irq_enable(vtimer_irq);
	gic_irq_enable(ptimer_irq);
	local_irq_enable();

	for (i = 0; i < NR_IRQS; i++) {
		int t = i & 1;
		enum arch_timer timer = t ? PHYSICAL : VIRTUAL;
		uint64_t target = nr_fired[t] + 1;

		/* xorshift64: the same deadlines on every kernel */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		timer_set_cval(timer, timer_get_cntct(timer) + freq / 10000 + x % (freq / 1000));
		timer_set_ctl(timer, CTL_ENABLE);
		local_irq_disable();
		while (READ_ONCE(nr_fired[t]) < target) {
			asm volatile("wfi" ::: "memory");
			local_irq_enable();
			isb();
			local_irq_disable();
		}
		local_irq_enable();
	}
	GUEST_DONE();
}

/* The ucall the guest exited with: GUEST_SYNC or GUEST_DONE */
static uint64_t check_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	switch (get_ucall(vcpu, uc)) {
	case UCALL_SYNC:
	case UCALL_DONE:
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(*uc);
		break;
	default:
		TEST_FAIL("unexpected exit %d", vcpu->run->exit_reason);
	}
	return uc->cmd;
}

/* Run to the guest's next GUEST_SYNC or GUEST_DONE */
static uint64_t run_to_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	vcpu_run(vcpu);
	return check_ucall(vcpu, uc);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void set_offset(struct kvm_vm *vm, struct kvm_vcpu *vcpu)
{
	if (kvm_check_cap(KVM_CAP_COUNTER_OFFSET)) {
		struct kvm_arm_counter_offset off = { .counter_offset = BENCH_OFFSET };

		vm_ioctl(vm, KVM_ARM_SET_COUNTER_OFFSET, &off);
	} else {
		vcpu_set_reg(vcpu, KVM_REG_ARM_TIMER_CNT, 1);
	}
}

static void bench_timers(bool offset)
{
	const int n = NR_IRQS / 2;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	int t;

	vm = vm_create_with_one_vcpu(&vcpu, guest_timer_code);
	ucall_init(vm, NULL);
	vm_init_descriptor_tables(vm);
	vcpu_init_descriptor_tables(vcpu);
	vm_install_exception_handler(vm, VECTOR_IRQ_CURRENT, guest_timer_irq);
	if (offset)
		set_offset(vm, vcpu);
	vcpu_device_attr_get(vcpu, KVM_ARM_VCPU_TIMER_CTRL, KVM_ARM_VCPU_TIMER_IRQ_PTIMER,
			     &ptimer_irq);
	vcpu_device_attr_get(vcpu, KVM_ARM_VCPU_TIMER_CTRL, KVM_ARM_VCPU_TIMER_IRQ_VTIMER,
			     &vtimer_irq);
	sync_global_to_guest(vm, ptimer_irq);
	sync_global_to_guest(vm, vtimer_irq);
	TEST_ASSERT(vgic_v3_setup(vm, 1, 64, GICD_BASE_GPA, GICR_BASE_GPA) >= 0, "vGICv3");

	TEST_ASSERT(run_to_ucall(vcpu, &uc) == UCALL_DONE, "ucall %lu", uc.cmd);
	sync_global_from_guest(vm, lateness);
	sync_global_from_guest(vm, nr_fired);
	for (t = 0; t < 2; t++) {
		TEST_ASSERT(nr_fired[t] == n, "timer %d: %lu interrupts", t, nr_fired[t]);
		qsort(lateness[t], n, sizeof(lateness[t][0]), cmp_u64);
	}
	printf("rig-bench: irq offset=%d vtimer_p50=%lu vtimer_p99=%lu ptimer_p50=%lu ptimer_p99=%lu\n",
	       offset, lateness[0][n / 2], lateness[0][n * 99 / 100],
	       lateness[1][n / 2], lateness[1][n * 99 / 100]);
	fflush(stdout);
	kvm_vm_free(vm);
}

static struct kvm_vm *bench_vm(void *guest, bool offset, bool vgic, struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create_with_one_vcpu(vcpu, guest);

	ucall_init(vm, NULL);
	if (offset)
		set_offset(vm, *vcpu);
	if (vgic)
		TEST_ASSERT(vgic_v3_setup(vm, 1, 64, GICD_BASE_GPA, GICR_BASE_GPA) >= 0, "vGICv3");
	return vm;
}

/* VM n (0-2) of rig-count's labels */
static void count(int n, bool offset, bool vgic)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = bench_vm(guest_count_code, offset, vgic, &vcpu);
	unsigned int bits = vm->va_bits - 1 < vm->pa_bits ? vm->va_bits - 1 : vm->pa_bits;
	struct ucall uc;

	/* 3/8 into the address space: ucall_init() looks from 5/8 on */
	count_mmio = (1ULL << bits) / 8 * 3;
	TEST_ASSERT(!kvm_userspace_memory_region_find(vm, count_mmio, count_mmio + 1),
		    "page %#lx is backed", count_mmio);
	virt_pg_map(vm, count_mmio, count_mmio);
	count_vm = n;
	sync_global_to_guest(vm, count_vm);
	sync_global_to_guest(vm, count_mmio);
	for (;;) {
		int r;

		do
			r = __vcpu_run(vcpu);
		while (r && errno == EINTR);
		TEST_ASSERT(!r, "KVM_RUN: %s", strerror(errno));
		if (vcpu->run->exit_reason == KVM_EXIT_MMIO &&
		    vcpu->run->mmio.phys_addr == count_mmio)
			continue;
		TEST_ASSERT(check_ucall(vcpu, &uc) == UCALL_DONE, "ucall %lu", uc.cmd);
		break;
	}
	printf("rig-bench: count vm=%d %soffset=%d done\n", n, vgic ? "" : "noirqchip ", offset);
	fflush(stdout);
	kvm_vm_free(vm);
}

static void bench(bool offset, bool vgic)
{
	double per_op[NR_BENCH_OPS] = {};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = bench_vm(guest_code, offset, vgic, &vcpu);
	struct ucall uc;

	while (run_to_ucall(vcpu, &uc) == UCALL_SYNC) {
		TEST_ASSERT(uc.args[1] < NR_BENCH_OPS, "op %lu", uc.args[1]);
		per_op[uc.args[1]] = (double)uc.args[2] / NR_OPS;
	}

	printf("rig-bench: %soffset=%d %s=%.3f %s=%.3f %s=%.3f traps=%ld\n",
	       vgic ? "" : "noirqchip ", offset,
	       op_names[OP_HVC], per_op[OP_HVC], op_names[OP_CNTVCT], per_op[OP_CNTVCT],
	       op_names[OP_CNTPCT], per_op[OP_CNTPCT], rig_vcpu_stat(vcpu, "phys_counter_traps"));
	fflush(stdout);
	kvm_vm_free(vm);
}

int main(int argc, char *argv[])
{
	cpu_set_t cpus;

	/* One CPU, always the same: the other one stays idle */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(cpus), &cpus), "pin to CPU 0");
	if (argc > 1 && !strcmp(argv[1], "count")) {
		count(0, false, true);
		count(1, true, true);
		count(2, false, false);
		return 0;
	}
	printf("rig-bench: counter frequency %lu Hz, %d operations each\n",
	       read_sysreg(cntfrq_el0), NR_OPS);
	bench(false, true);
	bench(true, true);
	bench(false, false);
	bench_timers(false);
	bench_timers(true);
	return 0;
}
