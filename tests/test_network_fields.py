"""convbook.network_fields, the receptive-field explorer's model: regions against measured
fields, and the largest network the layer language allows stays small."""
import sys

import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convbook.netspec import layers_from_text
from convbook.network_fields import NetworkFields
from convbook.receptive import empirical_receptive_field


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["conv", "pool"]), st.integers(1, 3),
                          st.integers(1, 2), st.integers(0, 1)), min_size=1, max_size=3))
def test_regions_agree_with_empirical_fields(spec):
    # strides no larger than the kernel: otherwise the field has holes its bounding box hides
    text = "; ".join(f"{kind} {k} s{min(s, k)} p{min(p, k // 2)}" for kind, k, s, p in spec)
    model = layers_from_text(text)
    try:
        net = NetworkFields(model, torch.rand(12, 12))
    except ValueError as error:                                # too deep for 12x12
        assert "does not fit" in str(error)
        assume(False)
    b = len(net.fields)
    unit = tuple(n - 1 for n in net.shapes[b])
    measured = empirical_receptive_field(model, (1, 12, 12), unit)
    assert net.seen(0, b, unit) == (measured.rows, measured.cols)
    closed_form = net.clip(0, net.region(0, b, unit))          # contains what is really seen
    assert all(c[0] <= m[0] and m[1] <= c[1] for c, m in zip(closed_form, (measured.rows,
                                                                          measured.cols)))


def test_the_biggest_allowed_network_stays_small():
    before = sys.getallocatedblocks()
    net = NetworkFields(layers_from_text("; ".join(["conv 32 p16"] * 16)), torch.zeros(28, 28))
    assert net.shapes[-1] == (44, 44) and sys.getallocatedblocks() - before < 10**6
