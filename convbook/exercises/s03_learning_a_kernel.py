"""Self-checks for the exercises of section 03 (book/03_learning_a_kernel.md)."""
import torch

from .answers import array_verdict, close, read_tensor, report, self_check, show


@self_check
def check_flipped_kernel(answer, K):
    """Check the kernel a cross-correlation layer learns from data made by strict convolution
    with K (it is K flipped on both axes)."""
    expected = torch.as_tensor(K, dtype=torch.float64).flip(0, 1)
    return array_verdict(answer, expected, "the kernel",
                         f"it learns K flipped, {expected.tolist()}.",
                         f"{show(answer)} is not what the layer learns.",
                         "strict convolution with K is cross-correlation with K flipped on both "
                         "axes.")


@self_check
def check_learned_kernel(answer, K, atol=0.05):
    """Check a learned kernel (a tensor, e.g. layer.weight) against the true kernel K; leading
    axes of size 1 (nn.Conv2d keeps 1 x 1 x k_h x k_w) are dropped, nothing else is reshaped."""
    K = torch.as_tensor(K, dtype=torch.float64)
    got = read_tensor(answer, "a kernel")
    while got.dim() > K.dim() and got.shape[0] == 1:
        got = got[0]
    if got.shape != K.shape:
        return report(False, f"the learned kernel has shape {tuple(got.shape)}, the true one "
                      f"{tuple(K.shape)}.", "a k_h x k_w kernel: check the kernel_size of "
                      "your layer (rows first, then columns).")
    ok = close(got, K, atol=atol)
    return report(ok, f"the learned kernel is within {atol} of {K.tolist()}."
                  if ok else "the learned kernel is not close to the true one yet.",
                  "train longer or with a larger learning rate.")
