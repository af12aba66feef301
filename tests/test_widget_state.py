"""convbook.widget_state: nested sizes are bounded before any tensor is built."""
import pytest

from convbook.widget_state import channel_layer, check_nested_size, small_matrix


def test_nested_sizes_are_checked_before_any_tensor_is_built():
    with pytest.raises(ValueError, match="at most 12 long"):
        check_nested_size([[0.0] * 13], "X", 12)
    with pytest.raises(ValueError, match="at most 12 long"):
        small_matrix([[1.0]] * 10**6, "X", 12)
    with pytest.raises(ValueError, match="X may be at most"):
        channel_layer([[[0.0] * 100]], [[[1.0]]])
