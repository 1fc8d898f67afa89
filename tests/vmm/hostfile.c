// SPDX-License-Identifier: GPL-2.0-only
/*
 * hostfile - copy a file between the emulated host and the build machine
 * through Arm semihosting, for the upgrade legs (tests/legs:
 * vmm-upgrade-*), whose boots of different host kernels hand a migrated
 * VM's state on to each other.  The outer QEMU runs these legs with
 * -semihosting-config enable=on,target=native,userspace=on (rig/leg.py
 * --share); the kernel needs no driver.
 *
 *   hostfile get PATH >FILE    PATH as the outer QEMU sees it
 *   hostfile put PATH <FILE
 *
 * get checks that it read as many bytes as the file holds (QEMU reports a
 * failed read as the end of the file); put writes PATH.part and renames it
 * to PATH at the end, so PATH is never a part of what was sent.
 *
 * A64 semihosting: operation in x0, parameter block in x1, HLT #0xf000,
 * result in x0 (Arm's "Semihosting for AArch32 and AArch64", SYS_OPEN,
 * SYS_CLOSE, SYS_WRITE, SYS_READ, SYS_FLEN, SYS_RENAME).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SYS_OPEN	0x01
#define SYS_CLOSE	0x02
#define SYS_WRITE	0x05
#define SYS_READ	0x06
#define SYS_FLEN	0x0c
#define SYS_RENAME	0x0f
#define MODE_RB		1
#define MODE_WB		5

static unsigned char buf[1 << 20];
static char part[4096];

static long semihost(long op, uint64_t *block)
{
	register long x0 asm("x0") = op;
	register uint64_t *x1 asm("x1") = block;

	asm volatile("hlt #0xf000" : "+r" (x0) : "r" (x1) : "memory");
	return x0;
}

static int full_write(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

static void semihost_close(long h)
{
	uint64_t block[1] = { h };

	semihost(SYS_CLOSE, block);
}

int main(int argc, char **argv)
{
	uint64_t block[4];
	const char *path;
	int get;
	long h, left, flen = 0;
	size_t total = 0;

	if (argc != 3 || (strcmp(argv[1], "get") && strcmp(argv[1], "put"))) {
		fprintf(stderr, "usage: hostfile get|put PATH\n");
		return 2;
	}
	get = !strcmp(argv[1], "get");
	/* QEMU reads and writes guest memory by its virtual addresses. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		perror("hostfile: mlockall");
	memset(buf, 0, sizeof(buf));

	path = argv[2];
	if (!get) {
		if (snprintf(part, sizeof(part), "%s.part", argv[2]) >= (int)sizeof(part)) {
			fprintf(stderr, "hostfile: path too long\n");
			return 1;
		}
		path = part;
	}
	block[0] = (uintptr_t)path;
	block[1] = get ? MODE_RB : MODE_WB;
	block[2] = strlen(path);
	h = semihost(SYS_OPEN, block);
	if (h == -1) {
		fprintf(stderr, "hostfile: cannot open %s on the build machine\n", path);
		return 1;
	}
	if (get) {
		block[0] = h;
		flen = semihost(SYS_FLEN, block);
		if (flen < 0) {
			fprintf(stderr, "hostfile: cannot tell the length of %s\n", path);
			semihost_close(h);
			return 1;
		}
	}
	for (;;) {
		block[0] = h;
		block[1] = (uintptr_t)buf;
		if (get) {
			block[2] = sizeof(buf);
			/* The result is the number of bytes not read. */
			left = semihost(SYS_READ, block);
			if (left < 0 || left > (long)sizeof(buf)) {
				fprintf(stderr, "hostfile: read error after %zu bytes\n", total);
				semihost_close(h);
				return 1;
			}
			if (left == sizeof(buf))
				break;
			if (full_write(1, buf, sizeof(buf) - left)) {
				perror("hostfile: write");
				semihost_close(h);
				return 1;
			}
			total += sizeof(buf) - left;
		} else {
			ssize_t n = read(0, buf, sizeof(buf));

			if (n < 0) {
				perror("hostfile: read");
				semihost_close(h);
				return 1;
			}
			if (n == 0)
				break;
			block[2] = n;
			/* The result is the number of bytes not written. */
			if (semihost(SYS_WRITE, block)) {
				fprintf(stderr, "hostfile: write error after %zu bytes\n", total);
				semihost_close(h);
				return 1;
			}
			total += n;
		}
	}
	semihost_close(h);
	if (get && total != (size_t)flen) {
		fprintf(stderr, "hostfile: read %zu of the %ld bytes of %s\n", total, flen, path);
		return 1;
	}
	if (!get) {
		block[0] = (uintptr_t)part;
		block[1] = strlen(part);
		block[2] = (uintptr_t)argv[2];
		block[3] = strlen(argv[2]);
		if (semihost(SYS_RENAME, block)) {
			fprintf(stderr, "hostfile: cannot rename %s to %s\n", part, argv[2]);
			return 1;
		}
	}
	fprintf(stderr, "hostfile: %s %s: %zu bytes\n", argv[1], argv[2], total);
	return 0;
}
