/* The ring header used from plain C11, as the kernel module uses it: format,
 * write with wrap, read back in order. Exits non-zero on any mismatch. */
#include <stdio.h>
#include <stdlib.h>

#include "pmdcon/auth.h" /* compiles as C11 with -Wconversion too */
#include "pmdcon/ring.h"

#define CHECK(c)                                                            \
  do {                                                                      \
    if (!(c)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
      return 1;                                                             \
    }                                                                       \
  } while (0)

int main(void) {
  static uint64_t mem[(PMDCON_DATA_OFFSET + 4096) / 8];
  static const uint8_t boot[PMDCON_BOOT_ID_LEN] = {1};
  struct pmdcon_ring r;
  struct pmdcon_rec meta = {0};
  uint64_t cursor, seq, next = 0;
  uint64_t buf[1024 / 8];
  uint32_t lost = 0;
  char text[64];
  int n;

  CHECK(pmdcon_ring_format(&r, mem, sizeof(mem), boot, 42) == 0);
  cursor = r.hdr->tail;
  for (seq = 0; seq < 1000; seq++) {
    n = snprintf(text, sizeof(text), "c record %llu", (unsigned long long)seq);
    meta.seq = seq;
    CHECK(pmdcon_ring_write(&r, &meta, text, (uint32_t)n, "", 0) == 1);
    while (pmdcon_ring_read(&r, &cursor, buf, sizeof(buf), &lost) ==
           PMDCON_READ_OK) {
      struct pmdcon_rec* got = (struct pmdcon_rec*)buf;
      CHECK(got->seq == next);
      n = snprintf(text, sizeof(text), "c record %llu",
                   (unsigned long long)next);
      CHECK(got->text_len == n);
      CHECK(memcmp(pmdcon_rec_text(got), text, (size_t)n) == 0);
      next++;
    }
  }
  CHECK(next == 1000);
  CHECK(pmdcon_id_pos(r.hdr->head) > r.units); /* it did wrap */
  printf("c_abi_test: 1000 records through a 4 KiB ring in C11\n");
  return 0;
}
