/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The series' UAPI (identical to mainline's), for the rig's programs when
 * they are built against headers that lack it (the unpatched base).
 */
#ifndef RIG_UAPI_H
#define RIG_UAPI_H

#include <linux/kvm.h>

#ifndef KVM_CAP_COUNTER_OFFSET
#define KVM_CAP_COUNTER_OFFSET	227
struct kvm_arm_counter_offset {
	__u64 counter_offset;
	__u64 reserved;
};
#define KVM_ARM_SET_COUNTER_OFFSET \
	_IOW(KVMIO, 0xb5, struct kvm_arm_counter_offset)
#endif

#endif
