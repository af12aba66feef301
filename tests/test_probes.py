"""convbook.probes: shifted images and the accuracy under shifts, gradient norms recorded
through train's on_batch, confidence and the effective receptive field."""
import pytest
import torch
from torch import nn

from convbook import probes
from convbook.layers import LeNet
from convbook.train import train


def test_shift_images():
    X = torch.arange(16.0).reshape(1, 4, 4)
    assert torch.equal(probes.shift_images(X, 0, 0), X)
    down_left = probes.shift_images(X, -1, 2)
    assert down_left[0, 2:, :3].tolist() == X[0, :2, 1:].tolist()
    assert down_left[0, :2].abs().sum() == 0 and down_left[0, :, 3].abs().sum() == 0
    with pytest.raises(ValueError, match=r"dx must be an int with \|dx\| < 4"):
        probes.shift_images(X, 4, 0)
    with pytest.raises(TypeError, match="X must be a tensor"):
        probes.shift_images([[1]], 0, 0)


def test_shift_accuracy_of_a_shift_invariant_net():
    # a net that only counts bright pixels ignores shifts that keep them inside the image
    class Count(nn.Module):
        def forward(self, x):
            return nn.functional.one_hot((x > 0.5).flatten(1).sum(1).clamp(max=9), 10).float()

    X = torch.zeros(5, 12, 12, dtype=torch.uint8)
    for i in range(5):
        X[i, 5:7, 5:5 + i] = 255
    y = torch.tensor([0, 2, 4, 6, 8])
    result = probes.shift_accuracy(Count(), X, y, max_shift=3)
    assert result["shift"] == [0, 1, 2, 3]
    assert result["accuracy"] == [1.0] * 4 and result["consistency"] == [1.0] * 4


def test_gradient_norms_recorded_through_train():
    torch.manual_seed(0)
    net = LeNet()
    norms = probes.GradientNorms(net, every=2)
    X, y = torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8), torch.arange(64) % 10
    calls = []
    train(net, (X, y), None, epochs=2, lr=0.1, batch_size=16, progress=False, live=False,
          log=lambda line: None, on_batch=lambda n, s: (calls.append(s), norms(n, s)))
    assert calls == list(range(1, 9))
    assert norms.steps == [2, 4, 6, 8] and len(norms.norms) == 5
    assert all(v > 0 for layer in norms.norms for v in layer)
    with pytest.raises(ValueError, match="no Conv2d or Linear"):
        probes.GradientNorms(nn.ReLU())
    with pytest.raises(TypeError, match="on_batch must be callable"):
        train(net, (X, y), epochs=1, on_batch=3, progress=False, live=False)


def test_confidence_and_effective_receptive_field():
    torch.manual_seed(0)
    net = LeNet()
    c = probes.confidence(net, torch.rand(4, 28, 28))
    assert c.shape == (4,) and bool(((c >= 0.1) & (c <= 1)).all()) and net.training
    erf = probes.effective_receptive_field(net[:4], torch.rand(3, 28, 28), (5, 5))
    rows, cols = torch.nonzero(erf.sum(1)).flatten(), torch.nonzero(erf.sum(0)).flatten()
    # conv(5, pad 2), pool 2, conv 5: unit (5, 5) of layer 4 sees input rows 8..21 (14 rows)
    assert (rows.min().item(), rows.max().item()) == (8, 21)
    assert (cols.min().item(), cols.max().item()) == (8, 21)
    with pytest.raises(ValueError, match="unit must lie inside"):
        probes.effective_receptive_field(net[:4], torch.rand(1, 28, 28), (10, 0))
