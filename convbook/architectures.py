"""Compact definitions of five classic ImageNet CNNs, written from their papers.

Only the geometry (kernels, strides, paddings, branches) matters for receptive fields, so
each builder takes a ``width`` factor that scales every channel count: ``width=1`` is the
paper's network (parameter counts equal the usual published ones), a small width gives the
same graph (shortcuts and residual additions are decided by the paper's channel counts) at
a fraction of the cost, which is how the autograd checks stay fast.

- ``vgg16``: Simonyan & Zisserman 2015, configuration D (a flat ``nn.Sequential``).
- ``resnet18`` / ``resnet50``: He et al. 2016 (basic and bottleneck blocks). The paper puts
  the stride-2 of a downsampling bottleneck in its first 1x1 convolution; most code today
  (torchvision's "ResNet v1.5") puts it in the 3x3 one: ``stride_in="1x1"`` or ``"3x3"``.
- ``googlenet``: Szegedy et al. 2015 (Inception v1, without the auxiliary classifiers),
  max pooling with ``ceil_mode=True`` as in the original Caffe model.
- ``mobilenet_v2``: Sandler et al. 2018 (inverted residuals, depthwise = grouped convs).

>>> net = resnet18()
>>> sum(p.numel() for p in net.parameters())
11689512
"""
import torch
from torch import nn

from ._checks import positive_int

__all__ = ["vgg16", "resnet18", "resnet50", "googlenet", "mobilenet_v2", "ARCHITECTURES"]


def _scaled(channels, width):
    return max(1, round(channels * width))


def _check_width(width):
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not 0 < width <= 4:
        raise ValueError(f"width must be a number in (0, 4], got {width!r}")


def _classes(classes):
    return positive_int(classes, "classes")


def vgg16(width=1.0, classes=1000):
    """VGG-16: thirteen 3x3 convolutions (padding 1) in five blocks, each closed by a 2x2 max
    pooling, then three fully connected layers (for 224x224 inputs)."""
    _check_width(width)
    layers, channels = [], 3
    for block in ([64, 64], [128, 128], [256] * 3, [512] * 3, [512] * 3):
        for out in block:
            out = _scaled(out, width)
            layers += [nn.Conv2d(channels, out, 3, padding=1), nn.ReLU()]
            channels = out
        layers.append(nn.MaxPool2d(2, 2))
    hidden = _scaled(4096, width)
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(channels * 7 * 7, hidden), nn.ReLU(),
                         nn.Dropout(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(),
                         nn.Linear(hidden, _classes(classes)))


def _conv_bn(c_in, c_out, kernel, stride=1, groups=1, act=nn.ReLU):
    layers = [nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=False),
              nn.BatchNorm2d(c_out)]
    return nn.Sequential(*layers, act()) if act else nn.Sequential(*layers)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions and a shortcut (a strided 1x1 projection when the shape changes)."""
    expansion = 1

    def __init__(self, c_in, c_mid, stride, project, stride_in="3x3"):
        super().__init__()
        c_out = c_mid * self.expansion
        self.body = nn.Sequential(_conv_bn(c_in, c_mid, 3, stride), _conv_bn(c_mid, c_out, 3,
                                                                            act=None))
        self.shortcut = _conv_bn(c_in, c_out, 1, stride, act=None) if project else nn.Identity()
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.body(x) + self.shortcut(x))


class Bottleneck(BasicBlock):
    """1x1 reduce, 3x3, 1x1 expand (x4), plus the shortcut; the stride sits in ``stride_in``."""
    expansion = 4

    def __init__(self, c_in, c_mid, stride, project, stride_in="3x3"):
        nn.Module.__init__(self)
        c_out = c_mid * self.expansion
        first, second = (stride, 1) if stride_in == "1x1" else (1, stride)
        self.body = nn.Sequential(_conv_bn(c_in, c_mid, 1, first), _conv_bn(c_mid, c_mid, 3, second),
                                  _conv_bn(c_mid, c_out, 1, act=None))
        self.shortcut = _conv_bn(c_in, c_out, 1, stride, act=None) if project else nn.Identity()
        self.relu = nn.ReLU()


class ResNet(nn.Module):
    """Stem (7x7/2 convolution, 3x3/2 max pooling), four stages of blocks, global pooling."""

    def __init__(self, block, depths, width=1.0, classes=1000, stride_in="3x3"):
        super().__init__()
        _check_width(width)
        if stride_in not in ("1x1", "3x3"):
            raise ValueError(f"stride_in must be '1x1' or '3x3', got {stride_in!r}")
        c, paper = _scaled(64, width), 64     # the paper's counts decide the shortcuts
        self.stem = nn.Sequential(nn.Conv2d(3, c, 7, 2, 3, bias=False), nn.BatchNorm2d(c),
                                  nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        stages = []
        for number, (mid, depth) in enumerate(zip((64, 128, 256, 512), depths)):
            blocks = []
            for i in range(depth):
                stride = 2 if i == 0 and number > 0 else 1
                project = stride != 1 or paper != mid * block.expansion
                blocks.append(block(c, _scaled(mid, width), stride, project, stride_in))
                c, paper = _scaled(mid, width) * block.expansion, mid * block.expansion
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c, _classes(classes))

    def forward(self, x):
        x = self.layer4(self.layer3(self.layer2(self.layer1(self.stem(x)))))
        return self.fc(torch.flatten(self.pool(x), 1))


def resnet18(width=1.0, classes=1000):
    """ResNet-18: basic blocks, two per stage."""
    return ResNet(BasicBlock, (2, 2, 2, 2), width, classes)


def resnet50(width=1.0, classes=1000, stride_in="3x3"):
    """ResNet-50: bottleneck blocks, (3, 4, 6, 3) per stage."""
    return ResNet(Bottleneck, (3, 4, 6, 3), width, classes, stride_in)


class Inception(nn.Module):
    """Four parallel branches concatenated along the channels: 1x1; 1x1 then 3x3; 1x1 then
    5x5; 3x3 max pooling (stride 1) then 1x1."""

    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        relu = nn.ReLU
        self.branch1 = nn.Sequential(nn.Conv2d(c_in, c1, 1), relu())
        self.branch2 = nn.Sequential(nn.Conv2d(c_in, c3_reduce, 1), relu(),
                                     nn.Conv2d(c3_reduce, c3, 3, padding=1), relu())
        self.branch3 = nn.Sequential(nn.Conv2d(c_in, c5_reduce, 1), relu(),
                                     nn.Conv2d(c5_reduce, c5, 5, padding=2), relu())
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True),
                                     nn.Conv2d(c_in, pool_proj, 1), relu())

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


# GoogLeNet's table 1: (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj); "M" = max pool
_INCEPTIONS = [(64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64), "M",
               (192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64),
               (128, 128, 256, 24, 64, 64), (112, 144, 288, 32, 64, 64),
               (256, 160, 320, 32, 128, 128), "M",
               (256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128)]


def googlenet(width=1.0, classes=1000):
    """GoogLeNet (Inception v1) without its two auxiliary classifiers."""
    _check_width(width)
    s = lambda c: _scaled(c, width)  # noqa: E731
    layers = [nn.Conv2d(3, s(64), 7, 2, 3), nn.ReLU(), nn.MaxPool2d(3, 2, ceil_mode=True),
              nn.LocalResponseNorm(5), nn.Conv2d(s(64), s(64), 1), nn.ReLU(),
              nn.Conv2d(s(64), s(192), 3, padding=1), nn.ReLU(), nn.LocalResponseNorm(5),
              nn.MaxPool2d(3, 2, ceil_mode=True)]
    c = s(192)
    for spec in _INCEPTIONS:
        if spec == "M":
            layers.append(nn.MaxPool2d(3, 2, ceil_mode=True))
            continue
        spec = [s(v) for v in spec]
        layers.append(Inception(c, *spec))
        c = spec[0] + spec[2] + spec[4] + spec[5]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.4),
                         nn.Linear(c, _classes(classes)))


class InvertedResidual(nn.Module):
    """1x1 expansion (x t), 3x3 depthwise convolution (groups = channels), 1x1 projection;
    a residual addition when the shape is kept."""

    def __init__(self, c_in, c_out, stride, expand, residual):
        super().__init__()
        hidden = c_in * expand
        layers = [_conv_bn(c_in, hidden, 1, act=nn.ReLU6)] if expand != 1 else []
        layers += [_conv_bn(hidden, hidden, 3, stride, groups=hidden, act=nn.ReLU6),
                   _conv_bn(hidden, c_out, 1, act=None)]
        self.body = nn.Sequential(*layers)
        self.residual = residual

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


# MobileNetV2's table 2: (expansion t, channels c, repeats n, first stride s)
_BOTTLENECKS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1)]


def mobilenet_v2(width=1.0, classes=1000):
    """MobileNetV2: a 3x3/2 stem, seventeen inverted residual blocks, a 1x1 to 1280 channels."""
    _check_width(width)
    c, paper = _scaled(32, width), 32   # the paper's counts decide the residual additions
    layers = [_conv_bn(3, c, 3, 2, act=nn.ReLU6)]
    for t, channels, repeats, stride in _BOTTLENECKS:
        for i in range(repeats):
            s = stride if i == 0 else 1
            layers.append(InvertedResidual(c, _scaled(channels, width), s, t,
                                           residual=s == 1 and paper == channels))
            c, paper = _scaled(channels, width), channels
    last = _scaled(1280, width)
    return nn.Sequential(*layers, _conv_bn(c, last, 1, act=nn.ReLU6), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Dropout(0.2), nn.Linear(last, _classes(classes)))


ARCHITECTURES = {"VGG-16": vgg16, "ResNet-18": resnet18, "ResNet-50": resnet50,
                 "GoogLeNet": googlenet, "MobileNetV2": mobilenet_v2}
