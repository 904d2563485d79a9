/*
 * pmdcon-vm-latency: run in the QEMU guests by tests/vm (bench-pmd).
 *   pmdcon-vm-latency latency N  N records through /dev/kmsg, one at a time;
 *                                prints p50/p99/max microseconds from the
 *                                write to the module's unsent count back at 0
 *                                (the appliance handed the record to its NIC)
 *   pmdcon-vm-latency drain PID  resumes the stopped appliance PID and times
 *                                its backlog (the unsent count) to the NIC
 * One clock (CLOCK_MONOTONIC) in one process: no clock is compared with
 * another machine's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define UNSENT "/sys/class/misc/pmdcon/unsent"

static uint64_t now_ns(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long unsent(int fd) {
  char buf[32];
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

  if (n <= 0) return -1;
  buf[n] = 0;
  return strtol(buf, NULL, 10);
}

static int cmp(const void* a, const void* b) {
  uint64_t x = *(const uint64_t*)a, y = *(const uint64_t*)b;

  return x < y ? -1 : x > y;
}

/* Waits up to 10 s for unsent to be 0; returns the time it took or 0. */
static uint64_t wait_sent(int fd, uint64_t t0) {
  long u;

  while ((u = unsent(fd)) != 0) {
    if (u < 0 || now_ns() - t0 > 10000000000ull) return 0;
  }
  return now_ns() - t0;
}

int main(int argc, char** argv) {
  int fd = open(UNSENT, O_RDONLY);

  if (fd < 0) {
    perror(UNSENT);
    return 1;
  }
  if (argc == 3 && !strcmp(argv[1], "latency")) {
    int kmsg = open("/dev/kmsg", O_WRONLY);
    long n = strtol(argv[2], NULL, 10);
    uint64_t* lat = calloc((size_t)(n > 0 ? n : 1), sizeof(*lat));

    if (kmsg < 0 || !lat || n <= 0) {
      fprintf(stderr, "latency: /dev/kmsg or N=%s\n", argv[2]);
      return 1;
    }
    for (long i = 0; i < n; i++) {
      char line[64];
      int len = snprintf(line, sizeof(line), "<6>pmdcon-vm latency %ld\n", i);
      uint64_t t0 = now_ns();

      if (write(kmsg, line, (size_t)len) != len) {
        perror("/dev/kmsg");
        return 1;
      }
      lat[i] = wait_sent(fd, t0);
      if (!lat[i]) {
        fprintf(stderr, "record %ld: unsent for 10 s\n", i);
        return 1;
      }
      usleep(200); /* one record in flight at a time */
    }
    qsort(lat, (size_t)n, sizeof(*lat), cmp);
    printf("p50 %.0f us, p99 %.0f us, max %.0f us (%ld records)\n",
           lat[n / 2] / 1e3, lat[n * 99 / 100] / 1e3, lat[n - 1] / 1e3, n);
    return 0;
  }
  if (argc == 3 && !strcmp(argv[1], "drain")) {
    /* The appliance (PID, stopped) resumes here: the clock starts with it. */
    pid_t pid = (pid_t)strtol(argv[2], NULL, 10);
    long backlog = unsent(fd);
    uint64_t t0 = now_ns(), t;

    if (backlog <= 0 || kill(pid, SIGCONT) != 0) {
      fprintf(stderr, "drain: backlog %ld, appliance %s\n", backlog, argv[2]);
      return 1;
    }
    t = wait_sent(fd, t0);
    if (!t) {
      fprintf(stderr, "drain: still unsent after 10 s\n");
      return 1;
    }
    printf("%ld records in %.3f s (%.0f records/s)\n", backlog, t / 1e9,
           backlog / (t / 1e9));
    return 0;
  }
  fprintf(stderr, "usage: %s latency N | drain PID\n", argv[0]);
  return 2;
}
