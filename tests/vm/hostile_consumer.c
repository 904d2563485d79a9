// Runs in the QEMU guest against /dev/pmdcon: every mapping the module must
// refuse is tried, then the consumer page is filled with random and
// adversarial values for a while. The kernel must stay up and keep its
// records intact (checked by scenarios/hostile.sh afterwards).
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pmdcon/dev.h"
#include "pmdcon/ring.h"

static int failures;

static void expect(int ok, const char* what) {
  printf("hostile: %s: %s\n", what, ok ? "ok" : "FAILED");
  if (!ok) failures++;
}

static uint64_t next(uint64_t* s) {  // xorshift64*
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 2685821657736338717ull;
}

/*
 * "hold N": keep only a mapping (the file closed) for N seconds while the
 * guest tries rmmod, then read the ring through it: the memory must still be
 * the ring.
 */
static int hold(int fd, const struct pmdcon_geometry* geo, int seconds) {
  const struct pmdcon_ring_hdr* hdr =
      mmap(0, geo->region_size, PROT_READ, MAP_SHARED, fd, 0);

  close(fd);
  if (hdr == MAP_FAILED) return 2;
  printf("hostile: holding a mapping\n");
  fflush(stdout);
  sleep((unsigned)seconds);
  expect(hdr->magic == PMDCON_RING_MAGIC, "ring intact after rmmod attempt");
  return failures ? 1 : 0;
}

int main(int argc, char** argv) {
  const int holding = argc > 2 && !strcmp(argv[1], "hold");
  const int arg = argc > 1 ? atoi(argv[argc - 1]) : 0;
  const int seconds = arg > 0 ? arg : 5;
  struct pmdcon_geometry geo;
  int fd = open("/dev/pmdcon", O_RDWR);

  if (fd < 0 || ioctl(fd, PMDCON_IOC_GEOMETRY, &geo) != 0) {
    perror("hostile: /dev/pmdcon");
    return 2;
  }
  if (holding) return hold(fd, &geo, seconds);
  expect(ioctl(fd, _IO('p', 99)) < 0 && errno == ENOTTY, "unknown ioctl");
  expect(ioctl(fd, PMDCON_IOC_GEOMETRY, (void*)8) < 0 && errno == EFAULT,
         "geometry to a bad address");

  void* p = mmap(0, geo.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  expect(p == MAP_FAILED && errno == EPERM, "writable mapping of everything");
  p = mmap(0, PMDCON_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
           geo.data_offset);
  expect(p == MAP_FAILED && errno == EPERM, "writable mapping of data");
  p = mmap(0, 2 * PMDCON_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
           geo.cons_offset);
  expect(p == MAP_FAILED && errno == EPERM, "writable consumer page + data");
  p = mmap(0, geo.region_size + PMDCON_PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
  expect(p == MAP_FAILED && errno == EINVAL, "mapping past the end");
  p = mmap(0, PMDCON_PAGE_SIZE, PROT_READ, MAP_SHARED, fd,
           (off_t)geo.region_size);
  expect(p == MAP_FAILED && errno == EINVAL, "offset past the end");

  uint8_t* ro = mmap(0, geo.region_size, PROT_READ, MAP_SHARED, fd, 0);
  expect(ro != MAP_FAILED, "read-only mapping of everything");
  expect(mprotect(ro, PMDCON_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0,
         "mprotect of the header to writable");
  struct pmdcon_cons_page* cons =
      mmap(0, PMDCON_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
           geo.cons_offset);
  expect(cons != MAP_FAILED, "writable consumer page");
  if (ro == MAP_FAILED || cons == MAP_FAILED) return 1;

  // Adversarial values: extremes, the ring's own positions shifted, random.
  const struct pmdcon_ring_hdr* hdr = (const void*)ro;
  uint64_t s = (uint64_t)time(0) | 1, writes = 0;
  const time_t end = time(0) + seconds;
  while (time(0) < end) {
    const uint64_t head = hdr->head, tail = hdr->tail;
    const uint64_t special[] = {
        0,
        ~0ull,
        head,
        head + 1,
        head + 8,
        tail - 1,
        tail - 8,
        head ^ 0x8000000000000000ull,
        (uint64_t)pmdcon_id(pmdcon_id_rid(head) + 7, pmdcon_id_pos(tail)),
        next(&s)};
    uint64_t* words = (uint64_t*)cons;
    for (unsigned i = 0; i < PMDCON_PAGE_SIZE / 8; i++)
      __atomic_store_n(&words[i],
                       next(&s) % 3 ? special[next(&s) % 10] : next(&s),
                       __ATOMIC_RELEASE);
    writes++;
  }
  printf("hostile: %llu page fills in %d s\n", (unsigned long long)writes,
         seconds);
  return failures ? 1 : 0;
}
