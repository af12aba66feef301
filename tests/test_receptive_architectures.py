"""Five real architectures: their definitions match the published ones, and the closed-form
receptive field of their last feature map equals the one measured by autograd."""
from functools import lru_cache

import pytest
import torch

from convbook.architectures import ARCHITECTURES, resnet50
from convbook.receptive import empirical_receptive_field, receptive_field


@lru_cache(maxsize=None)
def _full(name):
    """The paper-width network (built once: VGG-16 alone has 138 million weights)."""
    return ARCHITECTURES[name]()


@pytest.mark.parametrize("name, parameters", [
    ("VGG-16", 138_357_544), ("ResNet-18", 11_689_512), ("ResNet-50", 25_557_032),
    ("MobileNetV2", 3_504_872)])
def test_parameter_counts_equal_the_published_models(name, parameters):
    net = _full(name)
    assert sum(p.numel() for p in net.parameters()) == parameters


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_the_networks_classify_a_224_image_into_1000_classes(name):
    net = ARCHITECTURES[name](width=1 / 16).eval()
    with torch.no_grad():
        assert net(torch.zeros(1, 3, 224, 224)).shape == (1, 1000)
    last = receptive_field(net, (3, 224, 224))[-1]
    assert last.shape == (7, 7) and last.stride == (32, 32)


def _geometry(field):
    return field.size, field.stride, field.padding, field.start


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_closed_form_equals_autograd_on_the_architecture(name):
    full = receptive_field(_full(name), (3, 224, 224))[-1]
    narrow = ARCHITECTURES[name](width=1 / 16)       # same geometry, 1/256 of the work
    paths = [f.path for f in receptive_field(_full(name))]
    for width in (1 / 16, 1 / 32):                  # 1/32: what section 04 uses
        thin = receptive_field(ARCHITECTURES[name](width=width), (3, 224, 224))
        assert _geometry(thin[-1]) == _geometry(full)
        assert [f.path for f in thin] == paths      # the same graph, merges included
    r, s, p = full.size[0], full.stride[0], full.padding[0]
    size = s * (-(-(r + 2 * s) // s))                 # a multiple of the stride above r
    last = receptive_field(narrow, (3, size, size))[-1]
    unit = (last.shape[0] // 2,) * 2
    (top, bottom), (left, right) = last.bounds(unit)
    assert 0 <= top and bottom < size and 0 <= left and right < size
    measured = empirical_receptive_field(narrow, (3, size, size), unit)
    assert (measured.rows, measured.cols) == ((top, bottom), (left, right))


def test_vgg16_agrees_with_araujo_et_al_2019():
    last = receptive_field(_full("VGG-16"))[-1]
    assert (last.size, last.stride, last.padding) == ((212, 212), (32, 32), (90, 90))


def test_where_the_bottleneck_strides_changes_the_field():
    v1 = receptive_field(resnet50(stride_in="1x1"))[-1]
    v15 = receptive_field(resnet50())[-1]
    assert v1.stride == v15.stride == (32, 32)
    # In the paper's version the first 3x3 of stages 2-4 runs after the stride, on a grid
    # twice as coarse, so each adds 2 * 2J instead of 2J (J = its input's jump): 3 stages.
    assert v1.size[0] - v15.size[0] == 2 * (4 + 8 + 16)


def test_records_name_where_each_merge_sits():
    fields = receptive_field(ARCHITECTURES["ResNet-18"](width=1 / 16))
    assert fields[-1].path == "model.layer4[1]: add()"
    assert fields[0].path == "model.stem[0]" and fields[1].path == "model.stem[3]"
    googlenet = receptive_field(ARCHITECTURES["GoogLeNet"](width=1 / 16), (3, 224, 224))
    assert googlenet[-1].path == "model[20]: cat()"
    assert sum("ceil_mode=True adds" in note for note in googlenet[-1].notes) == 4

