"""The built-in spaces, registered under their names (`autospace.genome.get_space`)."""

from autospace.genome.registry import register_space
from autospace.genome.space import CellSpace

AUTOSPACE = CellSpace(
    name="autospace",
    num_nodes=6,
    edges=((1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)),
    ops=("conv1x1", "conv3x3", "dwconv3x3", "identity", "zero"),
    ratios=(1, 2, 3, 4, 5, 6),
    source=1,
    sink=4,
    io_nodes=True,
    zero_op="zero",
    identity_op="identity",
)
"""The paper's open space: input node, 4 inner nodes, output node; 5^6 x 6 = 93,750 cells."""

NB201 = CellSpace(
    name="nb201",
    num_nodes=4,
    edges=((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)),
    ops=("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"),
    source=0,
    sink=3,
    zero_op="none",
    identity_op="skip_connect",
)
"""NAS-Bench-201 cells: 4 nodes, 6 edges, 5 ops; 15,625 cells. Edges in arch-string order."""

IRB = CellSpace(
    name="irb",
    num_nodes=4,
    edges=((1, 2),),
    ops=("dwconv3x3", "dwconv5x5", "dwconv7x7", "zero"),
    ratios=(3, 6),
    source=1,
    sink=2,
    io_nodes=True,
    zero_op="zero",
    single_zero_cell=True,
)
"""The paper's manual baseline: inverted residual blocks k in {3,5,7} x e in {3,6}, plus zero."""

MBCONV = CellSpace(
    name="mbconv",
    num_nodes=4,
    edges=((1, 2),),
    ops=("dwconv3x3", "dwconv5x5", "dwconv7x7", "zero"),
    ratios=(1, 3, 6),
    source=1,
    sink=2,
    io_nodes=True,
    zero_op="zero",
    single_zero_cell=True,
)
"""`IRB` plus expansion ratio 1: MobileNetV2's first block and ProxylessNAS's fixed first block."""

for _space in (AUTOSPACE, NB201, IRB, MBCONV):
    register_space(_space)
