"""heat2d_mpi.py — the explicit 2D heat equation of heat2d_mpi.cpp, decomposed over MPI ranks with
mpi4py; each rank ingests its own block of the field every few steps (docs/MULTI_WRITER.md).

    u_t = u_xx + u_yy on an ny x nx grid, u = 0 on the boundary,
    lap  = (u[i-1,j] + u[i+1,j]) + (u[i,j-1] + u[i,j+1]) - 4.0 * u[i,j]
    next = u[i,j] + R * lap          (R = 0.2)

the same operations in the same order as the C++ example (and as `solve()` below, which the test
runs single-process), so every rank count writes the same field, bit for bit. Ranks form a 2D
Cartesian grid; each keeps a halo of one cell, exchanged with its four neighbours every step.

Each rank opens the dataset as writer `rank` of `size` (``writer=(rank, size)``,
docs/adr/0020-shared-datasets.md) with its block in the stream config; one rank alone writes a
plain dataset.

Usage: mpirun -np 4 python3 heat2d_mpi.py <dataset> [nx ny steps every]
"""
import sys

import numpy as np

R = 0.2


def split(n, parts, c):
    """(offset, size) of part c of [0, n): the first n % parts parts get one more."""
    size = n // parts + (1 if c < n % parts else 0)
    return c * (n // parts) + min(c, n % parts), size


def initial(ny, nx):
    """The initial field: integer products, one exact division (as in the C++ example)."""
    i = np.arange(ny, dtype=np.int64)[:, None]
    j = np.arange(nx, dtype=np.int64)[None, :]
    peak = ((ny - 1) // 2) * (ny - 1 - (ny - 1) // 2) * (((nx - 1) // 2) * (nx - 1 - (nx - 1) // 2))
    u = (i * (ny - 1 - i) * (j * (nx - 1 - j))).astype(np.float64) / float(peak)
    u[ny // 4:ny // 2, nx // 4:nx // 2] += 1.0
    u[0, :] = u[-1, :] = u[:, 0] = u[:, -1] = 0.0
    return u


def step_interior(u, out):
    """One step on the interior of `u` (halo'd or global): writes out[1:-1, 1:-1]."""
    c = u[1:-1, 1:-1]
    lap = (u[:-2, 1:-1] + u[2:, 1:-1]) + (u[1:-1, :-2] + u[1:-1, 2:]) - 4.0 * c
    out[1:-1, 1:-1] = c + R * lap


def solve(ny, nx, steps, every):
    """The whole field single-process: {step: field} of the steps written."""
    u = initial(ny, nx)
    out = {}
    for step in range(steps + 1):
        if step % every == 0:
            out[step] = u.copy()
        if step == steps:
            break
        nxt = u.copy()  # the boundary stays
        step_interior(u, nxt)
        u = nxt
    return out


def main(argv):
    from mpi4py import MPI

    import simingest

    args = argv
    if len(args) not in (1, 5):
        sys.exit("usage: heat2d_mpi.py <dataset> [nx ny steps every]")
    nx, ny, steps, every = (int(a) for a in args[1:]) if len(args) == 5 else (256, 192, 200, 10)

    world = MPI.COMM_WORLD
    dims = MPI.Compute_dims(world.size, 2)
    cart = world.Create_cart(dims, periods=[False, False])
    cy, cx = cart.Get_coords(cart.rank)
    (oy, sy), (ox, sx) = split(ny, dims[0], cy), split(nx, dims[1], cx)
    up, down = cart.Shift(0, 1)
    left, right = cart.Shift(1, 1)

    stream = {"columns": {"u": "float64"}, "grid": [ny, nx], "block": {"offset": [oy, ox], "shape": [sy, sx]}}
    settings = {"workers": 1, "streams": {"heat": stream}}
    if world.size > 1:
        settings["writer"] = (cart.rank, world.size)

    # The block with a halo of one cell; the global boundary's halo stays 0 and is never read.
    u = np.zeros((sy + 2, sx + 2))
    u[1:-1, 1:-1] = initial(ny, nx)[oy:oy + sy, ox:ox + sx]
    # Cells of the global boundary keep their value: a mask of the block's interior cells to update.
    gi = np.arange(oy, oy + sy)[:, None]
    gj = np.arange(ox, ox + sx)[None, :]
    interior = (gi > 0) & (gi < ny - 1) & (gj > 0) & (gj < nx - 1)
    send, recv = np.empty(sy), np.empty(sy)
    with simingest.Ingestor(args[0], config=settings) as ingestor:
        for step in range(steps + 1):
            if step % every == 0:
                ingestor.ingest("heat", step=step, time=step * R, columns={"u": np.ascontiguousarray(u[1:-1, 1:-1])})
            if step == steps:
                break
            cart.Sendrecv(u[1, 1:-1].copy(), up, 0, u[-1, 1:-1], down, 0)
            cart.Sendrecv(u[-2, 1:-1].copy(), down, 1, u[0, 1:-1], up, 1)
            send[:] = u[1:-1, 1]
            cart.Sendrecv(send, left, 2, recv, right, 2)
            if right != MPI.PROC_NULL:
                u[1:-1, -1] = recv
            send[:] = u[1:-1, -2]
            cart.Sendrecv(send, right, 3, recv, left, 3)
            if left != MPI.PROC_NULL:
                u[1:-1, 0] = recv
            nxt = u.copy()
            step_interior(u, nxt)
            u[1:-1, 1:-1] = np.where(interior, nxt[1:-1, 1:-1], u[1:-1, 1:-1])
    if cart.rank == 0:
        print(f"heat2d_mpi.py: {world.size} ranks ({dims[0]}x{dims[1]}) wrote {steps} steps of {ny}x{nx} to {args[0]}")


if __name__ == "__main__":
    main(sys.argv[1:])
