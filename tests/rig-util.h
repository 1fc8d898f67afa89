/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the rig's programs (tests/demo, tests/bench) share: the series' UAPI
 * (identical to mainline's) for headers that lack it, the unpatched base's,
 * and a vCPU statistic read that tolerates a kernel without it.
 */
#ifndef RIG_UTIL_H
#define RIG_UTIL_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kvm_util.h"

#ifndef KVM_CAP_COUNTER_OFFSET
#define KVM_CAP_COUNTER_OFFSET	227
struct kvm_arm_counter_offset {
	__u64 counter_offset;
	__u64 reserved;
};
#define KVM_ARM_SET_COUNTER_OFFSET \
	_IOW(KVMIO, 0xb5, struct kvm_arm_counter_offset)
#endif

/* The vCPU statistic @name through the binary stats interface, or -1 */
static inline long rig_vcpu_stat(struct kvm_vcpu *vcpu, const char *name)
{
	struct kvm_stats_header header;
	struct kvm_stats_desc *descs, *d;
	long val = -1;
	uint64_t v;
	int fd, i;

	fd = vcpu_get_stats_fd(vcpu);
	read_stats_header(fd, &header);
	descs = read_stats_descriptors(fd, &header);
	for (i = 0; i < header.num_desc; i++) {
		d = get_stats_descriptor(descs, i, &header);
		if (!strcmp(d->name, name)) {
			read_stat_data(fd, &header, d, &v, 1);
			val = v;
		}
	}
	free(descs);
	close(fd);
	return val;
}

#endif
