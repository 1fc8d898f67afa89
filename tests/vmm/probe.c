// SPDX-License-Identifier: GPL-2.0
/*
 * The real-VMM legs' guest probe (rig/vmm.sh): one thread per CPU, pinned,
 * wakes every PERIOD_MS of CLOCK_MONOTONIC (an absolute clock_nanosleep,
 * so a wake-up is a guest timer interrupt on that CPU) and checks what
 * it reads.  Once a second per CPU it prints
 *
 *   probe cpu=C n=N t=SECONDS gap=MS max=MS back=B steal=MS
 *
 * n:     wake-ups so far;           t:   CLOCK_MONOTONIC now
 * gap:   longest time between two wake-ups in the last second, in ms
 * max:   the same over the whole run; back: backward steps seen
 * steal: the CPU's stolen time from /proc/stat (0 without PV time)
 *
 * and a line "probe cpu=C back ..." at once when a read goes backwards.
 * The host side reads these lines from the guest's console across stop,
 * cont, migration and snapshots (tests/vmm/run).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PERIOD_MS	100
#define NSEC		1000000000LL

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

/* Stolen time of one CPU, in ms (USER_HZ ticks in /proc/stat). */
static long long steal_ms(int cpu)
{
	char name[16], line[512];
	long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	long long ms = -1;

	if (!f)
		return -1;
	snprintf(name, sizeof(name), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, strlen(name)))
			continue;
		if (sscanf(line + strlen(name), "%lld %lld %lld %lld %lld %lld %lld %lld",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]) == 8)
			ms = v[7] * 1000 / sysconf(_SC_CLK_TCK);
		break;
	}
	fclose(f);
	return ms;
}

static void *probe(void *arg)
{
	int cpu = (int)(intptr_t)arg;
	int64_t next, prev, t, gap, win = 0, max = 0;
	unsigned long n = 0, back = 0;
	struct timespec ts;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) {
		printf("probe cpu=%d cannot pin\n", cpu);
		exit(1);
	}
	prev = now_ns();
	next = prev;
	for (;;) {
		next += PERIOD_MS * 1000000LL;
		ts.tv_sec = next / NSEC;
		ts.tv_nsec = next % NSEC;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
			;
		t = now_ns();
		n++;
		gap = t - prev;
		if (gap < 0) {
			back++;
			pthread_mutex_lock(&out_lock);
			printf("probe cpu=%d back %lld ns at t=%lld\n", cpu,
			       (long long)-gap, (long long)t);
			pthread_mutex_unlock(&out_lock);
		}
		if (gap > win)
			win = gap;
		if (gap > max)
			max = gap;
		prev = t;
		/* After a long gap, do not try to catch up tick by tick. */
		if (t - next > PERIOD_MS * 1000000LL)
			next = t;
		if (n % (1000 / PERIOD_MS))
			continue;
		pthread_mutex_lock(&out_lock);
		printf("probe cpu=%d n=%lu t=%lld.%03lld gap=%lld max=%lld back=%lu steal=%lld\n",
		       cpu, n, (long long)(t / NSEC),
		       (long long)(t % NSEC / 1000000), (long long)(win / 1000000),
		       (long long)(max / 1000000), back, steal_ms(cpu));
		fflush(stdout);
		pthread_mutex_unlock(&out_lock);
		win = 0;
	}
	return NULL;
}

int main(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t th;
	long i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("probe start cpus=%ld period=%dms\n", cpus, PERIOD_MS);
	for (i = 1; i < cpus; i++)
		if (pthread_create(&th, NULL, probe, (void *)(intptr_t)i))
			return 1;
	probe((void *)0);
	return 0;
}
