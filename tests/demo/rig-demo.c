// SPDX-License-Identifier: GPL-2.0
/*
 * rig-demo: what the running kernel offers of the series, shown on a
 * real VM.  Built against the kernel's kvm selftest library by
 * rig/run.sh; run by "make run" inside the guest.  A feature the
 * kernel does not have is reported as missing, never simulated.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "rig-util.h"

#define PV_TIME_ST		0xc5000021
#define ST_GPA			(1UL << 30)
#define CTL_ENABLE		(1 << 0)
#define CTL_ISTATUS		(1 << 2)

static uint64_t host_cntvct(void)
{
	uint64_t v;

	asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
}

static void show_caps(void)
{
	static const struct {
		int cap;
		const char *name;
	} caps[] = {
		{ KVM_CAP_COUNTER_OFFSET, "KVM_CAP_COUNTER_OFFSET (VM-wide counter offset)" },
		{ KVM_CAP_ARM_USER_IRQ, "KVM_CAP_ARM_USER_IRQ (timer lines to userspace)" },
		{ KVM_CAP_STEAL_TIME, "KVM_CAP_STEAL_TIME (PV stolen time)" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(caps); i++)
		printf("demo: cap %-52s %s\n", caps[i].name,
		       kvm_check_cap(caps[i].cap) ? "yes" : "no");
}

/* 1. Counters under a VM-wide offset. */
static void guest_counters(void)
{
	GUEST_SYNC(read_sysreg(cntvct_el0));
	GUEST_SYNC(read_sysreg(cntpct_el0));
	GUEST_DONE();
}

static uint64_t next_sync(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	vcpu_run(vcpu);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		return uc.args[1];
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
	default:
		TEST_FAIL("unexpected exit %d", vcpu->run->exit_reason);
	}
	return 0;
}

static void demo_offsets(void)
{
	struct kvm_arm_counter_offset off = { .counter_offset = 1ULL << 40 };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t before, vct, pct;

	if (!kvm_check_cap(KVM_CAP_COUNTER_OFFSET)) {
		printf("demo: counters under an offset: not in this kernel yet (no KVM_CAP_COUNTER_OFFSET)\n");
		return;
	}
	vm = vm_create_with_one_vcpu(&vcpu, guest_counters);
	ucall_init(vm, NULL);
	vm_ioctl(vm, KVM_ARM_SET_COUNTER_OFFSET, &off);
	before = host_cntvct();
	vct = next_sync(vcpu);
	pct = next_sync(vcpu);
	printf("demo: offset 2^40: host counter %lu, guest CNTVCT %lu, CNTPCT %lu\n",
	       before, vct, pct);
	printf("demo: host - guest: virtual %lu, physical %lu (about 2^40 = %llu)\n",
	       before - vct, before - pct, 1ULL << 40);
	kvm_vm_free(vm);
}

/*
 * 1b. Who applies the physical offset: CNTPOFF_EL2 on a VHE host that has
 * it (no trap), trap-and-emulate elsewhere, nVHE included
 * (phys_counter_traps).
 */
#define DEMO_READS	1000

static void guest_pct_reads(void)
{
	int i;

	for (i = 0; i < DEMO_READS; i++)
		GUEST_ASSERT(read_sysreg(cntpct_el0));
	GUEST_DONE();
}

static void demo_cntpoff(void)
{
	struct kvm_arm_counter_offset off = { .counter_offset = 1ULL << 40 };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	uint64_t mmfr0;
	long traps;

	if (!kvm_check_cap(KVM_CAP_COUNTER_OFFSET))
		return;
	vm = vm_create_with_one_vcpu(&vcpu, guest_pct_reads);
	ucall_init(vm, NULL);
	vm_ioctl(vm, KVM_ARM_SET_COUNTER_OFFSET, &off);
	vcpu_get_reg(vcpu, KVM_ARM64_SYS_REG(SYS_ID_AA64MMFR0_EL1), &mmfr0);
	vcpu_run(vcpu);
	if (get_ucall(vcpu, &uc) == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	traps = rig_vcpu_stat(vcpu, "phys_counter_traps");
	printf("demo: offset 2^40, %d guest CNTPCT_EL0 reads: %ld trapped (host %s CNTPOFF_EL2: %s)\n",
	       DEMO_READS, traps, ((mmfr0 >> 60) & 0xf) >= 2 ? "has" : "lacks",
	       traps ? "KVM emulates each read" : "the hardware applies the offset");
	kvm_vm_free(vm);
}

/* 2. Timer output lines seen by a userspace interrupt controller. */
static void guest_vtimer(void)
{
	write_sysreg(read_sysreg(cntvct_el0) + 1000, cntv_cval_el0);
	write_sysreg(CTL_ENABLE, cntv_ctl_el0);
	isb();
	while (!(read_sysreg(cntv_ctl_el0) & CTL_ISTATUS))
		;
	GUEST_SYNC(1);
	write_sysreg(0, cntv_ctl_el0);
	isb();
	GUEST_SYNC(2);
	GUEST_DONE();
}

/* Run the vCPU to the guest's next ucall, showing line changes on the way. */
static bool run_showing_lines(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	int i, rc;

	for (i = 0; i < 16; i++) {
		rc = __vcpu_run(vcpu);
		if (rc && errno == EINTR) {
			printf("demo: timer lines: KVM_EXIT_INTR, device_irq_level %#llx\n",
			       run->s.regs.device_irq_level);
			fflush(stdout);
			continue;
		}
		TEST_ASSERT(!rc, "KVM_RUN: %d", errno);
		return get_ucall(vcpu, uc) == UCALL_SYNC;
	}
	printf("demo: timer lines: 16 exits without progress\n");
	return false;
}

static void user_irq_child(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;

	/* No in-kernel vGIC: the VMM owns the interrupt controller. */
	vm = vm_create_with_one_vcpu(&vcpu, guest_vtimer);
	ucall_init(vm, NULL);
	if (run_showing_lines(vcpu, &uc))
		printf("demo: timer lines: guest saw its vtimer fire: device_irq_level %#llx (VTIMER is %#x)\n",
		       vcpu->run->s.regs.device_irq_level, KVM_ARM_DEV_EL1_VTIMER);
	if (run_showing_lines(vcpu, &uc))
		printf("demo: timer lines: guest disabled its vtimer: device_irq_level %#llx\n",
		       vcpu->run->s.regs.device_irq_level);
	fflush(stdout);
	kvm_vm_free(vm);
	exit(0);
}

/*
 * The VM runs in a child process that gets 5 s: a vCPU that stops making
 * progress is reported, not waited for.
 */
static void demo_user_irq(void)
{
	int i, status;
	pid_t pid;

	if (!kvm_check_cap(KVM_CAP_ARM_USER_IRQ)) {
		printf("demo: timer lines: no KVM_CAP_ARM_USER_IRQ\n");
		return;
	}
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid)
		user_irq_child();
	for (i = 0; i < 50; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		usleep(100 * 1000);
	}
	kill(pid, SIGKILL);
	printf("demo: timer lines: the vCPU made no progress for 5 s\n");
}

/* 3. Stolen time: the vCPU shares a CPU with a busy host thread. */
static volatile int spin;

static void *spinner(void *arg)
{
	while (spin)
		;
	return NULL;
}

static void guest_steal(void)
{
	struct arm_smccc_res res;
	volatile uint64_t *st;
	int i;

	smccc_hvc(PV_TIME_ST, 0, 0, 0, 0, 0, 0, 0, &res);
	st = (volatile uint64_t *)(res.a0 + 8);
	GUEST_SYNC(st[0]);
	for (i = 0; i < 20; i++) {
		uint64_t t = read_sysreg(cntvct_el0) + read_sysreg(cntfrq_el0) / 100;

		while (read_sysreg(cntvct_el0) < t)
			;
	}
	GUEST_SYNC(st[0]);
	GUEST_DONE();
}

static void demo_steal_time(void)
{
	struct kvm_device_attr attr = {
		.group = KVM_ARM_VCPU_PVTIME_CTRL,
		.attr = KVM_ARM_VCPU_PVTIME_IPA,
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	pthread_t thread;
	cpu_set_t cpus;
	uint64_t ipa = ST_GPA, first, last;

	if (!kvm_check_cap(KVM_CAP_STEAL_TIME)) {
		printf("demo: stolen time: no KVM_CAP_STEAL_TIME\n");
		return;
	}
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(cpus), &cpus), "pin to CPU 0");
	vm = vm_create_with_one_vcpu(&vcpu, guest_steal);
	ucall_init(vm, NULL);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, ST_GPA, 1, 1, 0);
	virt_map(vm, ST_GPA, ST_GPA, 1);
	attr.addr = (uint64_t)&ipa;
	vcpu_ioctl(vcpu, KVM_SET_DEVICE_ATTR, &attr);
	first = next_sync(vcpu);
	spin = 1;
	pthread_create(&thread, NULL, spinner, NULL);
	last = next_sync(vcpu);
	spin = 0;
	pthread_join(thread, NULL);
	printf("demo: stolen time: guest read %lu ns, then %lu ns after sharing its CPU with a busy host thread\n",
	       first, last);
	kvm_vm_free(vm);
}

int main(void)
{
	show_caps();
	demo_offsets();
	demo_cntpoff();
	demo_steal_time();
	/* Last: a vCPU wedged by the user-irq path must not block the others. */
	demo_user_irq();
	return 0;
}
