/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bare-metal check that a QEMU applies CNTPOFF_EL2 (FEAT_ECV level 2).
 *
 * Entered at EL2 (virt board, virtualization=on, no EL3).  Reports
 * ID_AA64MMFR0_EL1.ECV, then, with CNTHCTL_EL2.ECV set and CNTPOFF_EL2 =
 * 2^40, drops to EL1 and reads CNTPCT_EL0: an emulator that applies the
 * offset returns a value about 2^40 below the EL2 reading.  Prints one line
 * on the PL011 and powers off through PSCI.
 */
#define UART		0x09000000
#define PSCI_OFF	0x84000008
#define CNTPOFF_EL2	s3_4_c14_c0_6

	.macro	putc, c
	mov	w1, #\c
	str	w1, [x20]
	.endm

	.text
	.globl	_start
_start:
	movz	x20, #(UART >> 16), lsl #16
	adr	x0, msg_ecv
	bl	puts
	mrs	x9, id_aa64mmfr0_el1
	lsr	x9, x9, #60
	add	w1, w9, #'0'
	str	w1, [x20]
	cmp	x9, #2
	b.lt	no_cntpoff

	mrs	x1, cnthctl_el2
	orr	x1, x1, #(1 << 12)		/* ECV */
	orr	x1, x1, #3			/* EL1PCTEN, EL1PCEN (E2H == 0) */
	msr	cnthctl_el2, x1
	movz	x2, #0x100, lsl #32		/* 2^40 */
	msr	CNTPOFF_EL2, x2
	mov	x3, #(1 << 31)			/* HCR_EL2.RW: EL1 is AArch64 */
	msr	hcr_el2, x3
	mov	x4, #0x3c5			/* EL1h, DAIF masked */
	msr	spsr_el2, x4
	adr	x5, at_el1
	msr	elr_el2, x5
	isb
	mrs	x6, cntpct_el0
	eret

at_el1:
	isb
	mrs	x7, cntpct_el0
	sub	x8, x6, x7			/* about 2^40 if applied */
	lsr	x8, x8, #39
	cmp	x8, #1				/* 2^39 <= delta < 2^40 + 2^39 */
	b.ne	ignored
	adr	x0, msg_applied
	b	out
ignored:
	adr	x0, msg_ignored
	b	out
no_cntpoff:
	adr	x0, msg_none
out:
	bl	puts
	ldr	x0, =PSCI_OFF
	smc	#0
1:	wfi
	b	1b

puts:	/* x0: NUL-terminated string */
	ldrb	w1, [x0], #1
	cbz	w1, 2f
	str	w1, [x20]
	b	puts
2:	ret

msg_ecv:	.asciz	"\nrig-ecv-probe: ecv="
msg_applied:	.asciz	" cntpoff=applied\n"
msg_ignored:	.asciz	" cntpoff=ignored\n"
msg_none:	.asciz	" cntpoff=absent\n"
