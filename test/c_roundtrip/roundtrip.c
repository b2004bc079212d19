/*
 * roundtrip.c — writes a dataset through the C ABI exactly as a C solver would,
 * so that test/python/test_c_roundtrip.py can read it back with pyarrow, DuckDB
 * and polars and check every value bit for bit.
 *
 * Usage: roundtrip <dataset-dir> [stats-json-out]
 *
 * Compiled as C99 and linked with libsimingest.so only: it proves the header is
 * plain C and the shared library exports what the header declares.
 *
 * Two threads ingest at once into one ingestor: thread "fields" writes the
 * 512x512 grid stream, thread "tables" writes the diagnostics (scalars) and
 * particles (row count varies per step, zero at some steps) streams. Every
 * value is a pure function of (stream, column, step, row) defined below; the
 * Python test regenerates it with numpy. Any change here must be mirrored in
 * test_c_roundtrip.py.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simingest.h"

#define STEPS 200
#define GRID_X 512
#define GRID_Y 512
#define GRID_N (GRID_X * GRID_Y)

enum { STREAM_FIELDS = 1, STREAM_DIAGNOSTICS = 2, STREAM_PARTICLES = 3 };

/* The configuration every reader-side expectation relies on. Small row groups
 * and pages so that every stream spans several row groups and pages; a small
 * file size so that the fields stream spans several files per partition. */
static const char* const kConfig =
    "{"
    "\"streams\":{"
    "\"fields\":{\"columns\":{"
    "\"vx\":{\"dtype\":\"float32\",\"nonFinite\":\"reject\"},"
    "\"vy\":{\"dtype\":\"float32\",\"nonFinite\":\"reject\"},"
    "\"p\":{\"dtype\":\"float32\",\"nonFinite\":\"allow\"}},"
    "\"grid\":[512,512],\"partition\":{\"steps\":50}},"
    "\"diagnostics\":{\"columns\":{"
    "\"energy\":{\"dtype\":\"float64\",\"nonFinite\":\"reject\"},"
    "\"residual\":{\"dtype\":\"float64\",\"nonFinite\":\"reject\"},"
    "\"dt\":{\"dtype\":\"float64\",\"nonFinite\":\"allow\"}}},"
    "\"particles\":{\"columns\":{"
    "\"id\":\"int64\","
    "\"x\":{\"dtype\":\"float64\",\"nonFinite\":\"reject\"},"
    "\"y\":{\"dtype\":\"float64\",\"encoding\":\"plain\"},"
    "\"tag\":\"uint32\"},"
    "\"partition\":{\"time\":0.04}}"
    "},"
    "\"compression\":{\"codec\":\"zstd\",\"level\":1},"
    "\"rowGroupBytes\":1048576,"
    "\"pageBytes\":65536,"
    "\"fileBytes\":16777216,"
    "\"memoryLimit\":67108864,"
    "\"workers\":2,"
    "\"backpressure\":{\"policy\":\"block\"}"
    "}";

static simingest_ingestor* g_ingestor;

/* ---- the deterministic values (mirrored in test_c_roundtrip.py) ---------- */

/* A 32-bit integer hash whose output bits all depend on every input bit. */
static uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

static uint32_t hash_value(uint32_t stream, uint32_t column, int64_t step, uint32_t row) {
  uint32_t seed = mix32((stream << 24) | (column << 16) | (uint32_t)step);
  return mix32(seed + row);
}

static float float_from_bits(uint32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

static double double_from_bits(uint64_t bits) {
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}

/* Random bits, made finite by clearing the top exponent bit of NaN/Inf. */
static uint32_t finite_bits32(uint32_t bits) {
  return (bits & 0x7F800000U) == 0x7F800000U ? bits & ~0x40000000U : bits;
}

static uint64_t finite_bits64(uint64_t bits) {
  return (bits & 0x7FF0000000000000ULL) == 0x7FF0000000000000ULL ? bits & ~0x4000000000000000ULL
                                                                  : bits;
}

static double step_time(int64_t step) { return (double)step * 0.001; }

static size_t particle_rows(int64_t step) {
  if (step == 13 || step == 150) return 0;
  return (size_t)(1000 + (step * 37) % 500);
}

static void fill_fields(int64_t step, float* vx, float* vy, float* p) {
  uint32_t i;
  for (i = 0; i < GRID_N; ++i) {
    vx[i] = float_from_bits(finite_bits32(hash_value(STREAM_FIELDS, 1, step, i)));
    if (i % 4096 == 7)
      vy[i] = float_from_bits(0x80000000U); /* -0.0 */
    else if (i % 4096 == 9)
      vy[i] = float_from_bits(0x00000001U); /* smallest subnormal */
    else
      vy[i] = (float)((int32_t)(i % GRID_Y) - 256) * 0.25f + (float)step;
    p[i] = float_from_bits(hash_value(STREAM_FIELDS, 3, step, i)); /* NaN/Inf included */
  }
  p[0] = float_from_bits(0x7FC00001U); /* quiet NaN with payload */
  p[1] = float_from_bits(0x7F800000U); /* +inf */
  p[2] = float_from_bits(0xFF800000U); /* -inf */
  p[3] = float_from_bits(0x80000000U); /* -0.0 */
  p[4] = float_from_bits(0x7F800001U); /* signalling NaN */
}

static double diag_energy(int64_t step) {
  uint64_t bits = ((uint64_t)hash_value(STREAM_DIAGNOSTICS, 1, step, 0) << 32) |
                  hash_value(STREAM_DIAGNOSTICS, 1, step, 1);
  return double_from_bits(finite_bits64(bits));
}

static double diag_residual(int64_t step) {
  if (step % 10 == 0) return double_from_bits(0x8000000000000000ULL);    /* -0.0 */
  if (step % 10 == 1) return double_from_bits((uint64_t)step + 1);        /* subnormal */
  return double_from_bits((uint64_t)(1023 - 5 * step) << 52);           /* 2^(-5*step) */
}

static double diag_dt(int64_t step) {
  if (step == 198) return double_from_bits(0x7FF8000000000123ULL); /* NaN with payload */
  if (step == 199) return double_from_bits(0x7FF0000000000000ULL); /* +inf */
  return 1e-3 * (double)(1 + step % 3);
}

static void fill_particles(int64_t step, size_t n, int64_t* id, double* x, double* y,
                           uint32_t* tag) {
  uint32_t i;
  for (i = 0; i < (uint32_t)n; ++i) {
    uint64_t id_bits = ((uint64_t)hash_value(STREAM_PARTICLES, 1, step, 2 * i) << 32) |
                       hash_value(STREAM_PARTICLES, 1, step, 2 * i + 1);
    uint64_t x_bits = ((uint64_t)hash_value(STREAM_PARTICLES, 2, step, 2 * i) << 32) |
                      hash_value(STREAM_PARTICLES, 2, step, 2 * i + 1);
    memcpy(&id[i], &id_bits, sizeof id_bits);
    x[i] = double_from_bits(finite_bits64(x_bits));
    y[i] = (double)i * 0.125 - (double)step;
    tag[i] = hash_value(STREAM_PARTICLES, 4, step, i);
  }
}

/* ---- ingestion ----------------------------------------------------------- */

static void fail(const char* what, simingest_status status) {
  fprintf(stderr, "roundtrip: %s failed: %s (%d): %s\n", what, simingest_status_string(status),
          (int)status, simingest_last_error(g_ingestor));
  exit(1);
}

static void* ingest_fields(void* unused) {
  float* vx = malloc(sizeof(float) * GRID_N);
  float* vy = malloc(sizeof(float) * GRID_N);
  float* p = malloc(sizeof(float) * GRID_N);
  int64_t step;
  (void)unused;
  if (!vx || !vy || !p) {
    fprintf(stderr, "roundtrip: out of memory\n");
    exit(1);
  }
  for (step = 0; step < STEPS; ++step) {
    simingest_column columns[3];
    simingest_status status;
    fill_fields(step, vx, vy, p);
    /* Deliberately not in configuration order: any order is allowed. */
    columns[0].name = "p";
    columns[0].dtype = SIMINGEST_FLOAT32;
    columns[0].data = p;
    columns[0].length = GRID_N;
    columns[1].name = "vx";
    columns[1].dtype = SIMINGEST_FLOAT32;
    columns[1].data = vx;
    columns[1].length = GRID_N;
    columns[2].name = "vy";
    columns[2].dtype = SIMINGEST_FLOAT32;
    columns[2].data = vy;
    columns[2].length = GRID_N;
    status = simingest_ingest(g_ingestor, "fields", step, step_time(step), columns, 3);
    if (status != SIMINGEST_OK) fail("simingest_ingest(fields)", status);
    /* The arrays were copied: scribbling over them must not change the data. */
    memset(vx, 0xAB, sizeof(float) * GRID_N);
  }
  free(vx);
  free(vy);
  free(p);
  return NULL;
}

static void* ingest_tables(void* unused) {
  const size_t max_rows = 1500;
  int64_t* id = malloc(sizeof(int64_t) * max_rows);
  double* x = malloc(sizeof(double) * max_rows);
  double* y = malloc(sizeof(double) * max_rows);
  uint32_t* tag = malloc(sizeof(uint32_t) * max_rows);
  int64_t step;
  (void)unused;
  if (!id || !x || !y || !tag) {
    fprintf(stderr, "roundtrip: out of memory\n");
    exit(1);
  }
  for (step = 0; step < STEPS; ++step) {
    simingest_column diag[3];
    simingest_column particles[4];
    simingest_status status;
    double energy = diag_energy(step), residual = diag_residual(step), dt = diag_dt(step);
    size_t n = particle_rows(step);

    diag[0].name = "energy";
    diag[0].dtype = SIMINGEST_FLOAT64;
    diag[0].data = &energy;
    diag[0].length = SIMINGEST_SCALAR;
    diag[1].name = "residual";
    diag[1].dtype = SIMINGEST_FLOAT64;
    diag[1].data = &residual;
    diag[1].length = SIMINGEST_SCALAR;
    diag[2].name = "dt";
    diag[2].dtype = SIMINGEST_FLOAT64;
    diag[2].data = &dt;
    diag[2].length = SIMINGEST_SCALAR;
    status = simingest_ingest(g_ingestor, "diagnostics", step, step_time(step), diag, 3);
    if (status != SIMINGEST_OK) fail("simingest_ingest(diagnostics)", status);

    fill_particles(step, n, id, x, y, tag);
    particles[0].name = "id";
    particles[0].dtype = SIMINGEST_INT64;
    particles[0].data = id;
    particles[0].length = n;
    particles[1].name = "x";
    particles[1].dtype = SIMINGEST_FLOAT64;
    particles[1].data = x;
    particles[1].length = n;
    particles[2].name = "y";
    particles[2].dtype = SIMINGEST_FLOAT64;
    particles[2].data = y;
    particles[2].length = n;
    particles[3].name = "tag";
    particles[3].dtype = SIMINGEST_UINT32;
    particles[3].data = tag;
    particles[3].length = n;
    status = simingest_ingest(g_ingestor, "particles", step, step_time(step), particles, 4);
    if (status != SIMINGEST_OK) fail("simingest_ingest(particles)", status);
  }
  free(id);
  free(x);
  free(y);
  free(tag);
  return NULL;
}

int main(int argc, char** argv) {
  simingest_status status;
  char* error = NULL;
  char* stats = NULL;
  pthread_t fields_thread, tables_thread;

  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s <dataset-dir> [stats-json-out]\n", argv[0]);
    return 2;
  }
  if (simingest_version_number() != SIMINGEST_VERSION_NUMBER ||
      strcmp(simingest_version(), SIMINGEST_VERSION_STRING) != 0) {
    fprintf(stderr, "roundtrip: header is %s but the library is %s\n", SIMINGEST_VERSION_STRING,
            simingest_version());
    return 1;
  }

  status = simingest_open(argv[1], kConfig, &g_ingestor, &error);
  if (status != SIMINGEST_OK) {
    fprintf(stderr, "roundtrip: simingest_open failed: %s: %s\n", simingest_status_string(status),
            error ? error : "(no message)");
    simingest_free(error);
    return 1;
  }

  if (pthread_create(&fields_thread, NULL, ingest_fields, NULL) != 0 ||
      pthread_create(&tables_thread, NULL, ingest_tables, NULL) != 0) {
    fprintf(stderr, "roundtrip: pthread_create failed\n");
    return 1;
  }
  pthread_join(fields_thread, NULL);
  pthread_join(tables_thread, NULL);

  status = simingest_flush(g_ingestor);
  if (status != SIMINGEST_OK) fail("simingest_flush", status);

  status = simingest_stats_json(g_ingestor, &stats);
  if (status != SIMINGEST_OK) fail("simingest_stats_json", status);
  printf("%s\n", stats);
  if (argc == 3) {
    FILE* out = fopen(argv[2], "w");
    if (!out || fputs(stats, out) < 0 || fclose(out) != 0) {
      fprintf(stderr, "roundtrip: cannot write %s\n", argv[2]);
      return 1;
    }
  }
  simingest_free(stats);

  status = simingest_close(&g_ingestor);
  if (status != SIMINGEST_OK) {
    fprintf(stderr, "roundtrip: simingest_close failed: %s\n", simingest_status_string(status));
    return 1;
  }
  if (g_ingestor != NULL) {
    fprintf(stderr, "roundtrip: simingest_close did not set the handle to NULL\n");
    return 1;
  }
  return 0;
}
