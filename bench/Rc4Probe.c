/* Rc4Probe.c: ../shared/bench/rc4-probe.c (the C reference of issue 16) made fit for a loaded machine: the same loops,
 * plus u32-ossl (OpenSSL's order, = our Rc4 read-ahead) and OpenSSL's own RC4() from libcrypto, timed round-robin in
 * short slices, best and median per variant, ratios to RC4() in the same process.
 *
 *   gcc -O2 -Wno-deprecated-declarations -o /tmp/rc4-probe bench/Rc4Probe.c -lcrypto && /tmp/rc4-probe
 *
 * Variants (each checked octet for octet against the textbook loop over 3,000 lengths before timing):
 *   u8         octet S-box, eight keystream octets gathered into one 64-bit word (the shape of Rc4.Transform)
 *   u32        the same with 32-bit S-box entries
 *   u32-ahead  32-bit entries, S[i+1] loaded before round i's two stores (S[j]'s new value used when j == i+1);
 *              our Rc4 read-ahead-select
 *   u32-ossl   32-bit entries, S[i+1] loaded between the two stores (after S[j] = S[i]: no fix-up), OpenSSL's
 *              rc4-x86_64 order; our Rc4 read-ahead (added here)
 * On one host "u8" ran at ~0.86 x openssl, on another of the same CPU model at ~0.50 x ("slow-loop" host).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define DEFINE_RC4(NAME, T, AHEAD)                                                                          \
  typedef struct { T s[256]; uint32_t i, j; } NAME##_t;                                                     \
  static void NAME##_key(NAME##_t *r, const uint8_t *k, int n) {                                            \
    for (int a = 0; a < 256; a++) r->s[a] = (T)a;                                                           \
    uint32_t j = 0;                                                                                         \
    for (int a = 0; a < 256; a++) { T t = r->s[a]; j = (j + t + k[a % n]) & 255; r->s[a] = r->s[j]; r->s[j] = t; } \
    r->i = r->j = 0;                                                                                        \
  }                                                                                                         \
  static void NAME##_xor(NAME##_t *r, uint8_t *d, size_t len) {                                             \
    uint32_t i = r->i, j = r->j; T *s = r->s; size_t p = 0;                                                 \
    if (AHEAD == 2) {                                                                                       \
      i = (i + 1) & 255; uint32_t si = s[i];                                                                \
      for (; p + 8 <= len; p += 8) {                                                                        \
        uint64_t k = 0;                                                                                     \
        for (int b = 0; b < 8; b++) {                                                                       \
          j = (j + si) & 255; uint32_t sj = s[j]; uint32_t ni = (i + 1) & 255;                              \
          s[j] = (T)si; uint32_t nsi = s[ni]; s[i] = (T)sj;                                                 \
          k |= (uint64_t)s[(si + sj) & 255] << (8 * b); i = ni; si = nsi;                                   \
        }                                                                                                   \
        uint64_t x; memcpy(&x, d + p, 8); x ^= k; memcpy(d + p, &x, 8);                                     \
      }                                                                                                     \
      for (; p < len; p++) {                                                                                \
        j = (j + si) & 255; uint32_t sj = s[j]; s[i] = (T)sj; s[j] = (T)si;                                 \
        d[p] ^= (uint8_t)s[(si + sj) & 255]; i = (i + 1) & 255; si = s[i];                                  \
      }                                                                                                     \
      i = (i - 1) & 255;                                                                                    \
    } else if (AHEAD) {                                                                                            \
      i = (i + 1) & 255; uint32_t si = s[i];                                                                \
      for (; p + 8 <= len; p += 8) {                                                                        \
        uint64_t k = 0;                                                                                     \
        for (int b = 0; b < 8; b++) {                                                                       \
          j = (j + si) & 255; uint32_t sj = s[j]; uint32_t ni = (i + 1) & 255; uint32_t nsi = s[ni];        \
          s[i] = (T)sj; s[j] = (T)si; nsi = (ni == j) ? si : nsi;                                           \
          k |= (uint64_t)s[(si + sj) & 255] << (8 * b); i = ni; si = nsi;                                   \
        }                                                                                                   \
        uint64_t x; memcpy(&x, d + p, 8); x ^= k; memcpy(d + p, &x, 8);                                     \
      }                                                                                                     \
      for (; p < len; p++) {                                                                                \
        j = (j + si) & 255; uint32_t sj = s[j]; s[i] = (T)sj; s[j] = (T)si;                                 \
        d[p] ^= (uint8_t)s[(si + sj) & 255]; i = (i + 1) & 255; si = s[i];                                  \
      }                                                                                                     \
      i = (i - 1) & 255;                                                                                    \
    } else {                                                                                                \
      for (; p + 8 <= len; p += 8) {                                                                        \
        uint64_t k = 0;                                                                                     \
        for (int b = 0; b < 8; b++) {                                                                       \
          i = (i + 1) & 255; uint32_t si = s[i]; j = (j + si) & 255; uint32_t sj = s[j];                    \
          s[i] = (T)sj; s[j] = (T)si; k |= (uint64_t)s[(si + sj) & 255] << (8 * b);                         \
        }                                                                                                   \
        uint64_t x; memcpy(&x, d + p, 8); x ^= k; memcpy(d + p, &x, 8);                                     \
      }                                                                                                     \
      for (; p < len; p++) {                                                                                \
        i = (i + 1) & 255; uint32_t si = s[i]; j = (j + si) & 255; uint32_t sj = s[j];                      \
        s[i] = (T)sj; s[j] = (T)si; d[p] ^= (uint8_t)s[(si + sj) & 255];                                    \
      }                                                                                                     \
    }                                                                                                       \
    r->i = i; r->j = j;                                                                                     \
  }

DEFINE_RC4(ref, uint8_t, 0)
DEFINE_RC4(u8, uint8_t, 0)
DEFINE_RC4(u32, uint32_t, 0)
DEFINE_RC4(ahead, uint32_t, 1)
DEFINE_RC4(ossl, uint32_t, 2)

static const uint8_t KEY[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static void textbook(ref_t *r, uint8_t *d, size_t len) {
  for (size_t p = 0; p < len; p++) {
    r->i = (r->i + 1) & 255; uint8_t si = r->s[r->i]; r->j = (r->j + si) & 255; uint8_t sj = r->s[r->j];
    r->s[r->i] = sj; r->s[r->j] = si; d[p] ^= r->s[(uint8_t)(si + sj)];
  }
}

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

#include <openssl/rc4.h>
#include <stdlib.h>
/* Round-robin version for a loaded machine (H4's copy; the shared probe times each variant for ~1 s, 3 times):
 * every variant verified first, then ROUNDS rounds, each timing every variant (and OpenSSL's RC4() from libcrypto,
 * the same assembly `openssl speed` runs) for SLICE calls of 1400 octets; best and median per variant. */
#define ROUNDS 300
#define SLICE 1000
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
#define CHECK(NAME, LABEL)                                                                                  \
  do {                                                                                                      \
    NAME##_t c; ref_t r; NAME##_key(&c, KEY, 16); ref_key(&r, KEY, 16);                                    \
    static uint8_t a[1400], b[1400];                                                                        \
    for (int t = 0; t < 3000; t++) {                                                                        \
      size_t len = 1 + (size_t)(t * 37) % 1400;                                                             \
      NAME##_xor(&c, a, len); textbook(&r, b, len);                                                         \
      if (memcmp(a, b, len)) { printf("%-10s WRONG keystream at packet %d\n", LABEL, t); return 1; }        \
    }                                                                                                       \
  } while (0)

int main(void) {
  (void)ref_xor;
  CHECK(u8, "u8"); CHECK(u32, "u32"); CHECK(ahead, "u32-ahead"); CHECK(ossl, "u32-ossl");
  static u8_t c0; static u32_t c1; static ahead_t c2; static ossl_t c3; static RC4_KEY ok;
  u8_key(&c0, KEY, 16); u32_key(&c1, KEY, 16); ahead_key(&c2, KEY, 16); ossl_key(&c3, KEY, 16); RC4_set_key(&ok, 16, KEY);
  static uint8_t buf[1400];
  const char *names[5] = {"u8", "u32", "u32-ahead", "u32-ossl", "OpenSSL RC4()"};
  static double rate[5][ROUNDS];
  for (int round = 0; round < ROUNDS; round++) {
    for (int v0 = 0; v0 < 5; v0++) {
      int v = (v0 + round) % 5;
      double t0 = now();
      for (int q = 0; q < SLICE; q++) {
        switch (v) {
          case 0: u8_xor(&c0, buf, 1400); break;
          case 1: u32_xor(&c1, buf, 1400); break;
          case 2: ahead_xor(&c2, buf, 1400); break;
          case 3: ossl_xor(&c3, buf, 1400); break;
          default: RC4(&ok, 1400, buf, buf); break;
        }
      }
      rate[v][round] = SLICE * 1400.0 / (now() - t0) / 1e6;
    }
  }
  double best[5], med[5];
  for (int v = 0; v < 5; v++) { qsort(rate[v], ROUNDS, sizeof(double), cmp); best[v] = rate[v][ROUNDS - 1]; med[v] = rate[v][ROUNDS / 2]; }
  for (int v = 0; v < 5; v++)
    printf("%-14s %6.0f MB/s best, %6.0f median; / OpenSSL RC4(): %.2f best, %.2f median [%u]\n", names[v], best[v], med[v], best[v] / best[4], med[v] / med[4], buf[7]);
  return 0;
}
