// heat2d_mpi — an explicit 2D heat-equation solver decomposed over MPI ranks,
// each rank ingesting its own block of the field every few steps through
// simingest.hpp (docs/MULTI_WRITER.md).
//
//   u_t = u_xx + u_yy on an ny x nx grid (C order: row i, column j), u = 0 on
//   the boundary, u(0) = a product of parabolas plus a hot square.
//
// Ranks form a 2D Cartesian grid (MPI_Dims_create); rank (cy, cx) owns a block
// of rows and columns and keeps a halo of one cell, exchanged with its four
// neighbours every step. For every interior cell of the global grid
//
//   lap  = (u[i-1][j] + u[i+1][j]) + (u[i][j-1] + u[i][j+1]) - 4.0 * u[i][j]
//   next = u[i][j] + r * lap            (r = 0.2 < 1/4: stable)
//
// written in this order on purpose: test/python/test_mpi_examples.py re-runs the
// scheme single-process in numpy and compares the dataset bit for bit (built
// with -ffp-contract=off, so no fused multiply-add changes a rounding; the
// decomposition changes no operand, so every rank count gives the same field).
//
// Each rank opens the dataset as writer `rank` of `size` (`writer: {id, count}`,
// docs/adr/0020-shared-datasets.md) with its block declared in the stream
// config (`block: {offset, shape}`); one rank alone writes a plain dataset.
//
// Usage: mpirun -np 4 heat2d_mpi <dataset> [nx ny steps every]
#include <mpi.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <simingest.hpp>

namespace {

constexpr double kR = 0.2;

int parse_int(const char* text, const char* what) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value < 1 || value > 1 << 20) {
    std::fprintf(stderr, "heat2d_mpi: %s must be a positive integer, not \"%s\"\n", what, text);
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  return static_cast<int>(value);
}

// The part of [0, n) that coordinate c of `parts` owns: the first n % parts get one more.
void split(int n, int parts, int c, int& offset, int& size) {
  size = n / parts + (c < n % parts ? 1 : 0);
  offset = c * (n / parts) + (c < n % parts ? c : n % parts);
}

// The initial field at global (i, j): integer products, one exact division, so
// numpy computes the same bits.
double initial(int i, int j, int ny, int nx) {
  const long long py = static_cast<long long>(i) * (ny - 1 - i);
  const long long px = static_cast<long long>(j) * (nx - 1 - j);
  const long long peak = static_cast<long long>((ny - 1) / 2) * (ny - 1 - (ny - 1) / 2) *
                         (static_cast<long long>((nx - 1) / 2) * (nx - 1 - (nx - 1) / 2));
  double u = static_cast<double>(py * px) / static_cast<double>(peak);
  if (i >= ny / 4 && i < ny / 2 && j >= nx / 4 && j < nx / 2) u += 1.0;  // the hot square
  if (i == 0 || j == 0 || i == ny - 1 || j == nx - 1) u = 0.0;
  return u;
}

struct Block {
  int oy, ox, sy, sx;  // offset and shape in the global grid
  int w() const { return sx + 2; }  // with the halo
  std::size_t at(int i, int j) const { return static_cast<std::size_t>(i + 1) * w() + (j + 1); }  // local i, j
};

void exchange_halos(MPI_Comm cart, const Block& b, std::vector<double>& u, MPI_Datatype column) {
  int up, down, left, right;
  MPI_Cart_shift(cart, 0, 1, &up, &down);
  MPI_Cart_shift(cart, 1, 1, &left, &right);
  // Rows: my first row goes up, the row below mine comes from down; and back.
  MPI_Sendrecv(&u[b.at(0, 0)], b.sx, MPI_DOUBLE, up, 0, &u[b.at(b.sy, 0)], b.sx, MPI_DOUBLE, down, 0, cart,
               MPI_STATUS_IGNORE);
  MPI_Sendrecv(&u[b.at(b.sy - 1, 0)], b.sx, MPI_DOUBLE, down, 1, &u[b.at(-1, 0)], b.sx, MPI_DOUBLE, up, 1, cart,
               MPI_STATUS_IGNORE);
  MPI_Sendrecv(&u[b.at(0, 0)], 1, column, left, 2, &u[b.at(0, b.sx)], 1, column, right, 2, cart, MPI_STATUS_IGNORE);
  MPI_Sendrecv(&u[b.at(0, b.sx - 1)], 1, column, right, 3, &u[b.at(0, -1)], 1, column, left, 3, cart,
               MPI_STATUS_IGNORE);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  const std::vector<const char*> args(argv + 1, argv + argc);
  if (args.size() != 1 && args.size() != 5) {
    if (rank == 0) std::fprintf(stderr, "usage: %s <dataset> [nx ny steps every]\n", argv[0]);
    MPI_Finalize();
    return 2;
  }
  const int nx = args.size() == 5 ? parse_int(args[1], "nx") : 256;
  const int ny = args.size() == 5 ? parse_int(args[2], "ny") : 192;
  const int steps = args.size() == 5 ? parse_int(args[3], "steps") : 200;
  const int every = args.size() == 5 ? parse_int(args[4], "every") : 10;

  std::array<int, 2> dims{0, 0}, periods{0, 0}, coords{0, 0};
  MPI_Dims_create(size, 2, dims.data());
  MPI_Comm cart;
  MPI_Cart_create(MPI_COMM_WORLD, 2, dims.data(), periods.data(), 0, &cart);
  MPI_Cart_coords(cart, rank, 2, coords.data());
  Block b{};
  split(ny, dims[0], coords[0], b.oy, b.sy);
  split(nx, dims[1], coords[1], b.ox, b.sx);
  if (b.sy < 1 || b.sx < 1) {
    if (rank == 0) std::fprintf(stderr, "heat2d_mpi: a %dx%d grid is too small for %d ranks\n", ny, nx, size);
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  MPI_Datatype column;  // one column of the block, strided by the halo'd width
  MPI_Type_vector(b.sy, 1, b.w(), MPI_DOUBLE, &column);
  MPI_Type_commit(&column);

  const std::string writer =
      size == 1 ? "" : R"(, "writer": {"id": )" + std::to_string(rank) + ", \"count\": " + std::to_string(size) + "}";
  const std::string config = R"({"streams": {"heat": {"columns": {"u": "float64"}, "grid": [)" +
                             std::to_string(ny) + ", " + std::to_string(nx) + R"(], "block": {"offset": [)" +
                             std::to_string(b.oy) + ", " + std::to_string(b.ox) + R"(], "shape": [)" +
                             std::to_string(b.sy) + ", " + std::to_string(b.sx) + R"(]}}}, "workers": 1)" + writer +
                             "}";

  int status = 0;
  try {
    simingest::Ingestor ingestor(args[0], config);
    std::vector<double> u(static_cast<std::size_t>(b.sy + 2) * b.w(), 0.0), next = u;
    for (int i = 0; i < b.sy; ++i)
      for (int j = 0; j < b.sx; ++j) u[b.at(i, j)] = initial(b.oy + i, b.ox + j, ny, nx);
    std::vector<double> frame(static_cast<std::size_t>(b.sy) * b.sx);  // the block without its halo

    for (int step = 0; step <= steps; ++step) {
      if (step % every == 0) {
        for (int i = 0; i < b.sy; ++i)
          std::memcpy(&frame[static_cast<std::size_t>(i) * b.sx], &u[b.at(i, 0)], b.sx * sizeof(double));
        ingestor.ingest("heat", step, step * kR, {simingest::array("u", frame)});
      }
      if (step == steps) break;
      exchange_halos(cart, b, u, column);
      for (int i = 0; i < b.sy; ++i) {
        const int gi = b.oy + i;
        for (int j = 0; j < b.sx; ++j) {
          const int gj = b.ox + j;
          const std::size_t k = b.at(i, j);
          if (gi == 0 || gj == 0 || gi == ny - 1 || gj == nx - 1) {
            next[k] = u[k];  // the boundary stays at 0
            continue;
          }
          const double lap = (u[k - b.w()] + u[k + b.w()]) + (u[k - 1] + u[k + 1]) - 4.0 * u[k];
          next[k] = u[k] + kR * lap;
        }
      }
      u.swap(next);
    }
    ingestor.close();
    if (rank == 0)
      std::printf("heat2d_mpi: %d ranks (%dx%d) wrote %d steps of %dx%d to %s\n", size, dims[0], dims[1], steps, ny,
                  nx, args[0]);
  } catch (const simingest::Error& e) {
    std::fprintf(stderr, "heat2d_mpi: rank %d: simingest error %d (%s): %s\n", rank, static_cast<int>(e.status()),
                 simingest::status_string(e.status()), e.what());
    status = 1;
  }
  MPI_Type_free(&column);
  MPI_Comm_free(&cart);
  MPI_Finalize();
  return status;
}
