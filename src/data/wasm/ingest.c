// Fast path of the interaction-matrix loader (src/data/loaders/interactions.ts), compiled to wasm32 by
// scripts/build-ingest-wasm.mjs into src/data/wasm/ingest-wasm.ts (base64, committed). It parses ORDINARY rows of
// KuaiRec's exact column order (user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio): plain
// decimal numbers, integer ids >= 0, non-empty finite watch_ratio >= 0 and timestamp, an integer date, a time field
// without quotes, '\n' or '\r\n' line ends. It stops at the first line that is anything else (the JS slow path
// handles that line with the full rules, then calls back in), so every rule lives in one place: the TypeScript loader.
// The number parser is the same algorithm as the JS one (integer mantissa / power of ten in doubles), so results are
// bit-identical.
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))

// Parses a plain number at *pp ending at ',' (want=44) or '\n' (want=10, '\r\n' accepted); 0 on anything else.
static inline int num(const uint8_t **pp, uint8_t want, double *out) {
  const uint8_t *p = *pp;
  int neg = 0;
  uint8_t c = *p;
  if (c == '-') { neg = 1; c = *++p; } else if (c == '+') { c = *++p; }
  double m = 0, scale = 1;
  int digits = 0;
  while ((uint8_t)(c - '0') < 10) { m = m * 10 + (c - '0'); digits++; c = *++p; }
  if (c == '.') {
    c = *++p;
    while ((uint8_t)(c - '0') < 10) { m = m * 10 + (c - '0'); scale *= 10; digits++; c = *++p; }
  }
  if (c == '\r' && want == 10 && p[1] == '\n') { p++; c = '\n'; }
  if (c != want || digits == 0 || digits > 15) return 0;
  double v = scale == 1 ? m : m / scale;
  *out = neg ? -v : v;
  *pp = p + 1;
  return 1;
}

// buf[start, end) holds complete lines, buf[end] == '\n'. Appends rows to the columns at index n (capacity cap).
// Returns the offset where it stopped (end, the start of a line it does not handle, or where the columns are full);
// out[0] = rows appended, out[1] = lines consumed, out[2] = OR of the time-field bytes (>= 0x80: validate UTF-8).
EXPORT int32_t parse_block(const uint8_t *buf, int32_t start, int32_t end, int32_t *user, int32_t *item, float *play,
                           float *vdur, int32_t *date, double *ts, float *wr, int32_t n, int32_t cap, int32_t *out) {
  const uint8_t *p = buf + start;
  const uint8_t *e = buf + end;
  int32_t rows = 0, lines = 0;
  uint8_t hi = 0;
  while (p < e && n < cap) {
    const uint8_t *q = p;
    double u, v, pl, vd, d, t, w;
    if (!num(&q, ',', &u) || !num(&q, ',', &v) || !num(&q, ',', &pl) || !num(&q, ',', &vd)) break;
    uint8_t c = *q;
    while (c != ',' && c != '\n' && c != '"') { hi |= c; c = *++q; }
    if (c != ',') break;
    q++;
    if (!num(&q, ',', &d) || !num(&q, ',', &t) || !num(&q, '\n', &w)) break;
    if (!(u >= 0 && u <= 2147483647.0 && u == (double)(int64_t)u)) break;
    if (!(v >= 0 && v <= 2147483647.0 && v == (double)(int64_t)v)) break;
    if (!(w >= 0) || !(d == d) || d != (double)(int64_t)d || d < -2147483648.0 || d > 2147483647.0) break;
    user[n] = (int32_t)u; item[n] = (int32_t)v; play[n] = (float)pl; vdur[n] = (float)vd;
    date[n] = (int32_t)d; ts[n] = t; wr[n] = (float)w;
    n++; rows++; lines++;
    p = q; // past the '\n'
  }
  out[0] = rows; out[1] = lines; out[2] = hi;
  return (int32_t)(p - buf);
}
