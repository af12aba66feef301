"""Self-checks for the exercises at the end of each section.

Each check prints one clear line, PASS or FAIL with a hint, and returns a Verdict (truthy
when it passed; it displays nothing in a notebook, so only the printed line shows),
so a reader can call it after writing an answer:

>>> ok = check_output_size((3, 3), 8, 6)
PASS: input 8, kernel 6, padding 0, stride 1 give a 3x3 output.
>>> bool(ok)
True

Answers are read by one small layer (:mod:`convbook.exercises.answers`), so every check
accepts the same forms (ints, floats, numpy and torch scalars and arrays, lists, tuples) and
answers junk with FAIL and a hint, never a traceback:

>>> import numpy as np
>>> ok = check_output_size(np.array([3, 3]), 8, 6)
PASS: input 8, kernel 6, padding 0, stride 1 give a 3x3 output.
>>> ok = check_output_size("3x3", 8, 6)
FAIL: '3x3' is text, not a pair (h, w). Hint: write the number(s) without quotes.

The checks live in one module per section, in book order (``s00_from_fc_to_conv`` ...
``s08_lenet``), and are all imported here. A new check goes in its section's module, is
decorated with ``@self_check`` (None -> "not answered", unreadable -> FAIL), reads its answer
with ``read_number``, ``read_numbers``, ``read_tensor`` or ``read_array_like``, is imported
below, and gets a row in the table of tests/test_exercises.py.
"""
from .s00_from_fc_to_conv import check_dense_parameters, check_influence
from .s01_cross_correlation import (check_conv_layer_parameters, check_corr2d,
                                    check_corr2d_matrix, check_output_size)
from .s02_edge_detection import (check_derivative_kernel, check_directional_kernel,
                                 check_horizontal_edge_kernel, check_shift_kernel)
from .s03_learning_a_kernel import check_flipped_kernel, check_learned_kernel
from .s04_receptive_fields import check_network_field, check_receptive_field
from .s05_padding_and_stride import check_mirror_pad, check_same_padding
from .s06_channels import (check_composed_kernel, check_conv2d_cost, check_conv_as_matmul,
                           check_conv_memory, check_corr2d_multi_in, check_grayscale_1x1)
from .s07_pooling import check_avg_pool_kernel, check_max_via_relu, check_max_winner, check_pool2d
from .s08_lenet import (check_chance_loss, check_lenet_parameters, check_lenet_shape,
                        check_modern_lenet, check_most_confused, check_most_different_map)

__all__ = [
    "check_dense_parameters", "check_influence",
    "check_output_size", "check_corr2d", "check_conv_layer_parameters", "check_corr2d_matrix",
    "check_horizontal_edge_kernel", "check_shift_kernel", "check_directional_kernel",
    "check_derivative_kernel",
    "check_flipped_kernel", "check_learned_kernel",
    "check_receptive_field", "check_network_field",
    "check_same_padding", "check_mirror_pad",
    "check_corr2d_multi_in", "check_conv2d_cost", "check_grayscale_1x1", "check_composed_kernel",
    "check_conv_memory", "check_conv_as_matmul",
    "check_pool2d", "check_max_winner", "check_avg_pool_kernel", "check_max_via_relu",
    "check_lenet_shape", "check_lenet_parameters", "check_most_confused", "check_chance_loss",
    "check_modern_lenet", "check_most_different_map",
]
