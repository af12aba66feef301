"""Follow a CNN's torch.fx graph and carry each feature map's receptive field through it.

Used by ``convbook.receptive``. A field is kept per axis as the input rows ``lo .. hi`` seen by
unit 0 of a map and the jump ``J`` (input pixels between neighbouring units): unit ``u``
sees ``lo + u*J .. hi + u*J``. A layer with kernel k, stride s, padding p and dilation d maps
(lo, hi, J) to (lo - p*J, hi + (d*(k-1) - p)*J, J*s); a merge (addition, concatenation) takes
the union of its inputs' fields, which must share one jump.
"""
import copy
import operator
import os
import threading
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import fx, nn

# Modules and functions that act pixel by pixel: the field passes through unchanged.
POINTWISE_MODULES = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.Hardtanh, nn.Sigmoid, nn.Tanh,
                     nn.ELU, nn.GELU, nn.SiLU, nn.Mish, nn.Softplus, nn.Hardswish, nn.Hardsigmoid,
                     nn.Identity, nn.Dropout, nn.Dropout2d, nn.BatchNorm2d, nn.LocalResponseNorm)
SPATIAL_MODULES = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)
END_MODULES = (nn.Flatten, nn.Linear, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
PAD_MODULES = (nn.ZeroPad2d, nn.ConstantPad2d)
POINTWISE_FUNCTIONS = {torch.relu, torch.relu_, F.relu, F.relu_, F.relu6, F.leaky_relu, F.elu,
                       F.gelu, F.silu, F.mish, F.softplus, F.hardswish, F.hardsigmoid, F.hardtanh,
                       F.sigmoid, torch.sigmoid, torch.tanh, F.tanh, F.dropout, F.dropout2d,
                       F.batch_norm, F.local_response_norm, torch.clamp, torch.neg, operator.neg}
ARITHMETIC = {operator.add, operator.iadd, operator.sub, operator.mul, operator.imul,
              operator.truediv, torch.add, torch.sub, torch.mul, torch.div}
END_FUNCTIONS = {torch.flatten, F.adaptive_avg_pool2d, F.adaptive_max_pool2d, F.linear,
                 torch.mean, torch.sum, torch.amax}
POINTWISE_METHODS = {"relu", "relu_", "sigmoid", "sigmoid_", "tanh", "tanh_", "clamp", "clamp_",
                     "contiguous", "float", "double", "to", "clone", "neg"}
ARITHMETIC_METHODS = {"add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_"}
END_METHODS = {"view", "reshape", "flatten", "mean", "sum", "amax", "squeeze"}
META_METHODS = {"size", "dim"}


@dataclass(frozen=True)
class Field:
    """Input rows/cols (lo, hi) seen by unit 0 of a map, the jump, the map's (h, w) if known."""
    lo: tuple
    hi: tuple
    jump: tuple
    shape: tuple = None
    notes: tuple = ()


_ENDED, _META = "ended", "meta"       # states of values after the spatial part / non-tensors


def where_path(path):
    """``layer1.0.conv1`` as a reader would index it: ``model.layer1[0].conv1``."""
    return "model" + "".join(f"[{part}]" if part.isdigit() else f".{part}"
                             for part in path.split(".") if part)


def where(node):
    """The model path of a node as a reader would index it, e.g. ``model.layer1[0].conv1``."""
    if node.op == "call_module":
        path = node.target
    else:
        stack = node.meta.get("nn_module_stack") or {}
        path = list(stack.values())[-1][0] if stack else ""
        name = getattr(node.target, "__name__", str(node.target))
        path = f"{path}: {name}()"
    return where_path(path.split(":")[0]) + (path[path.index(":"):] if ":" in path else "")


def _located(node):
    """' (called at file:line)' for a function node traced with stack traces, else ''."""
    trace = (node.stack_trace or "").strip().splitlines()
    torch_dir = os.path.dirname(torch.__file__)
    lines = [line.strip() for line in trace
             if line.strip().startswith("File ") and torch_dir not in line]
    return f" (called at {lines[-1][5:]})" if lines else ""


class _Tracer(fx.Tracer):
    """fx's tracer, remembering the module being traced so that errors can name it."""

    def __init__(self):
        super().__init__()
        self.record_stack_traces = True
        self.path, self.failed_in = [], None

    def call_module(self, module, forward, args, kwargs):
        self.path.append(self.path_of_module(module))
        try:
            result = super().call_module(module, forward, args, kwargs)
        except Exception:
            self.failed_in = self.failed_in or self.path[-1]   # the innermost module
            raise
        self.path.pop()
        return result


# torch.fx keeps the tracer's patches in a module-level global: two traces at once (a cell
# and an explorer's check, which JupyterLab runs in a kernel subshell thread) break each other.
_TRACING = threading.RLock()


def trace(model):
    """A GraphModule of ``model``; a TypeError naming the module and line when fx cannot."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module that torch.fx can trace, "
                        f"got {type(model).__name__}")
    tracer = _Tracer()
    try:
        with _TRACING:
            graph = tracer.trace(model)
    except Exception as error:                 # fx raises TraceError, TypeError, ...
        module = tracer.failed_in or ""
        place = _user_frame(error.__traceback__)
        raise TypeError(
            f"torch.fx cannot trace model ({type(model).__name__}) in "
            f"{where_path(module) if module else 'its forward'}{place}: {error}. torch.fx runs "
            "forward on symbolic values, so code that needs real ones (data-dependent control "
            "flow: an `if` or loop on tensor values or shapes, conversions, value checks) "
            "cannot be followed; rewrite it without them or compute the field of each "
            "part") from None
    return fx.GraphModule(model, graph)


def _user_frame(tb):
    """' at file:line -> ...' for the (last three) frames outside torch where tracing failed."""
    torch_dir = os.path.dirname(torch.__file__)
    places = []
    while tb is not None:
        code = tb.tb_frame.f_code
        if not code.co_filename.startswith(torch_dir) and code.co_filename != __file__:
            places.append(f"{code.co_filename}:{tb.tb_lineno}")
        tb = tb.tb_next
    return " at " + " -> ".join(places[-3:]) if places else ""


def window_params(values):
    """(kernel, stride, padding, dilation, ceil_mode) of a conv or pooling layer, each per axis;
    padding "same" gives the top/left padding (PyTorch puts any odd extra row at the bottom)."""
    from ._checks import pair
    m = values
    kernel = pair(m["kernel_size"], "kernel_size", 1)
    dilation = pair(m.get("dilation", 1), "dilation", 1)
    stride = m.get("stride")
    stride = pair(kernel if stride is None or stride == [] else stride, "stride", 1)
    padding = m.get("padding", 0)
    if isinstance(padding, str):
        padding = tuple(d * (k - 1) // 2 if padding == "same" else 0
                        for k, d in zip(kernel, dilation))
    return kernel, stride, pair(padding, "padding", 0), dilation, bool(m.get("ceil_mode", False))


def _module_geometry(module):
    return window_params({name: getattr(module, name) for name in
                     ("kernel_size", "stride", "padding", "dilation", "ceil_mode")
                     if hasattr(module, name)})


_POOL_ARGS = {F.max_pool2d: ("kernel_size", "stride", "padding", "dilation", "ceil_mode"),
              F.avg_pool2d: ("kernel_size", "stride", "padding", "ceil_mode")}


def _function_geometry(node):
    names = _POOL_ARGS[node.target]
    values = dict(zip(names, node.args[1:]))
    values.update({k: v for k, v in node.kwargs.items() if k in names})
    return window_params(values)


def output_size(n, kernel, stride, padding, dilation, ceil_mode, total_padding=None):
    """PyTorch's output length on one axis (pooling's ceil_mode rule included)."""
    total = 2 * padding if total_padding is None else total_padding
    span = dilation * (kernel - 1) + 1
    steps = (n + total - span) / stride
    out = (int(steps // 1) if not ceil_mode else -int(-steps // 1)) + 1
    if ceil_mode and (out - 1) * stride >= n + padding:
        out -= 1
    return out


class Walk:
    """One pass over the traced graph: the field of every value up to the spatial part's end.

    ``records``: [(node, Field)] for each conv / pooling / padding / merge node in graph order;
    ``end_input``: the node whose map reaches the first global pooling, flatten or linear layer
    (or the output); ``kinds``: node -> "pointwise" / "scale" / "spatial" / "pad" / "merge" / ...
    """

    def __init__(self, gm, input_hw=None):
        self.modules = dict(gm.named_modules())
        self.records, self.kinds, self.end_input = [], {}, None
        self.index = {}
        state = {}
        nodes = list(gm.graph.nodes)
        output = next(n for n in nodes if n.op == "output")
        needed = _ancestors(output)
        placeholders = [n for n in nodes if n.op == "placeholder"]
        if not placeholders:
            raise TypeError("model's forward takes no input")
        position = 0
        for node in nodes:
            if node.op in ("call_module", "call_function", "call_method"):
                self.index[node] = position
                position += 1
            if node is placeholders[0]:
                state[node] = Field((0, 0), (0, 0), (1, 1), input_hw)
                continue
            if node.op != "output" and node not in needed:
                continue
            inputs = [state.get(n) for n in node.all_input_nodes]
            fields = [s for s in inputs if isinstance(s, Field)]
            if node.op == "output":
                if self.end_input is None and fields:
                    self.end_input = next(n for n in _flat(node.args)
                                          if isinstance(state.get(n), Field))
                break
            if self.end_input is not None:              # past the end: only watch for mixing
                if fields and self._ends(node, fields):
                    state[node] = _ENDED                 # another branch's own global pooling
                    continue
                if fields and _ENDED in inputs:
                    raise ValueError(
                        f"{where(node)}{_located(node)} combines a globally pooled value with a "
                        "feature map (as squeeze-and-excitation blocks do): every unit then "
                        "depends on the whole input, which a receptive field cannot describe")
                state[node] = fields[0] if fields else (_ENDED if _ENDED in inputs else None)
                continue
            if not fields:
                state[node] = _META if _META in inputs else None
                continue
            state[node] = self._step(node, fields)
            if state[node] is _ENDED:
                self.end_input = next(n for n in node.all_input_nodes
                                      if isinstance(state.get(n), Field))
                if self.end_input is placeholders[0]:
                    raise ValueError(f"{where(node)} is reached by the input itself: the model "
                                     "has no spatial layer before it")
        if self.end_input is None:
            raise ValueError("model's output does not depend on its input")
        keep = _ancestors(self.end_input) | {self.end_input}
        self.records = [(n, f) for n, f in self.records if n in keep]

    def _ends(self, node, fields):
        """True when ``node`` is a global pooling, flatten or linear layer (False if unknown)."""
        try:
            return self._classify(node, fields)[0] == "end"
        except (TypeError, ValueError):
            return False

    def _step(self, node, fields):
        kind, info = self._classify(node, fields)
        self.kinds[node] = kind
        if kind in ("pointwise", "scale"):
            return fields[0]
        if kind == "meta":
            return _META
        if kind == "end":
            return _ENDED
        if kind == "merge":
            field = _merge(node, fields)
        elif kind == "pad":
            field = _pad(fields[0], info)
        else:
            field = self._through(node, fields[0], *info)
        self.records.append((node, field))
        return field

    def _classify(self, node, fields):
        """(kind, geometry) of a node with a spatial input; unsupported nodes raise here."""
        what = where(node) + ("" if node.op == "call_module" else _located(node))
        if node.op == "call_module":
            module = self.modules[node.target]
            if isinstance(module, nn.Conv2d) and module.padding_mode != "zeros":
                raise ValueError(
                    f"{what} ({type(module).__name__}) pads with padding_mode="
                    f"'{module.padding_mode}': border units then see mirrored or wrapped "
                    "pixels, which the closed form does not describe; use padding_mode='zeros'"
                    " (interior units have the same field either way)")
            if isinstance(module, SPATIAL_MODULES):
                return "spatial", _module_geometry(module)
            if isinstance(module, POINTWISE_MODULES):
                return "pointwise", None
            if isinstance(module, END_MODULES):
                return "end", None
            if isinstance(module, PAD_MODULES):
                return "pad", _pad_amounts(module.padding)
            if isinstance(module, (nn.ReflectionPad2d, nn.ReplicationPad2d, nn.CircularPad2d)):
                raise ValueError(f"{what} ({type(module).__name__}) pads with copies of image "
                                 "pixels: the closed form handles zero padding only")
            raise TypeError(f"{what} ({type(module).__name__}) is not supported: use Conv2d, "
                            "MaxPool2d, AvgPool2d, zero padding, elementwise layers, additions "
                            "and concatenations before a global pooling, Flatten or Linear")
        target = node.target
        if node.op == "call_method":
            if target in META_METHODS:
                return "meta", None
            if target in POINTWISE_METHODS:
                return "pointwise", None
            if target in ARITHMETIC_METHODS:
                return ("merge" if len(fields) > 1 else "scale"), None
            if target in END_METHODS:
                return "end", None
        else:
            if target is getattr:
                return "meta", None
            if target in POINTWISE_FUNCTIONS:
                return "pointwise", None
            if target in ARITHMETIC:
                return ("merge" if len(fields) > 1 else "scale"), None
            if target in (torch.cat, torch.concat):
                dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
                if dim not in (1, -3):
                    raise ValueError(f"{what} concatenates along dim={dim}: only channel "
                                     "concatenation (dim=1) keeps the feature maps' layout")
                return "merge", None
            if target in END_FUNCTIONS:
                return "end", None
            if target in _POOL_ARGS:
                return "spatial", _function_geometry(node)
            if target is F.pad:
                mode = node.args[2] if len(node.args) > 2 else node.kwargs.get("mode", "constant")
                if mode != "constant":
                    raise ValueError(f"{what} pads with mode={mode!r}: the closed form handles "
                                     "zero (constant) padding only")
                return "pad", _pad_amounts(node.args[1] if len(node.args) > 1
                                           else node.kwargs["pad"])
        raise TypeError(f"{what} is not supported on a feature map: use modules "
                        "(nn.Conv2d, nn.MaxPool2d, ...), elementwise functions, additions and "
                        "torch.cat before a global pooling, flatten or linear layer")

    def _through(self, node, field, kernel, stride, padding, dilation, ceil_mode):
        lo = tuple(a - p * j for a, p, j in zip(field.lo, padding, field.jump))
        hi = tuple(b + (d * (k - 1) - p) * j
                   for b, k, p, d, j in zip(field.hi, kernel, padding, dilation, field.jump))
        notes, shape = list(field.notes), None
        same = getattr(self.modules.get(node.target), "padding", None) == "same"
        if same and any(d * (k - 1) % 2 for k, d in zip(kernel, dilation)):
            notes.append(f"{where(node)}: padding='same' with an even kernel span pads one "
                         "more row/column at the bottom/right than at the top/left")
        if field.shape is not None:
            shape = tuple(output_size(n, k, s, p, d, ceil_mode,
                                      d * (k - 1) if same else None)
                          for n, k, s, p, d in zip(field.shape, kernel, stride, padding,
                                                   dilation))
            if min(shape) < 1:
                raise ValueError(f"{where(node)} does not fit on its {field.shape[0]}x"
                                 f"{field.shape[1]} input: the input is too small")
            if ceil_mode and shape != tuple(output_size(n, k, s, p, d, False) for n, k, s, p, d
                                            in zip(field.shape, kernel, stride, padding,
                                                   dilation)):
                notes.append(f"{where(node)}: ceil_mode=True adds a last row/column of windows "
                             "that runs past the map, so units on the bottom/right edge see "
                             "less than `size`")
        elif ceil_mode and stride != (1, 1):
            notes.append(f"{where(node)}: ceil_mode=True may add a last row/column of windows "
                         "that runs past the map (then units on the bottom/right edge see less "
                         "than `size`; give input_shape to know)")
        return Field(lo, hi, tuple(j * s for j, s in zip(field.jump, stride)), shape,
                     tuple(dict.fromkeys(notes)))


def _pad_amounts(padding):
    """(top, bottom, left, right) of nn.ZeroPad2d / F.pad's (left, right, top, bottom)."""
    if isinstance(padding, int):
        return (padding,) * 4
    padding = tuple(padding)
    if len(padding) != 4:
        raise ValueError(f"padding {padding} must give (left, right, top, bottom)")
    left, right, top, bottom = padding
    return top, bottom, left, right


def _pad(field, amounts):
    top, bottom, left, right = amounts
    shift = (top * field.jump[0], left * field.jump[1])     # unit u is old unit u - top
    shape = None if field.shape is None else (field.shape[0] + top + bottom,
                                              field.shape[1] + left + right)
    return Field(tuple(a - d for a, d in zip(field.lo, shift)),
                 tuple(b - d for b, d in zip(field.hi, shift)), field.jump, shape, field.notes)


def _merge(node, fields):
    """Union of the inputs' fields (an addition or a concatenation of feature maps)."""
    jumps = {f.jump for f in fields}
    if len(jumps) > 1:
        raise ValueError(f"{where(node)}{_located(node)} merges maps with different effective "
                         f"strides {sorted(jumps)}: their units are not on one grid")
    shapes = {f.shape for f in fields}
    if len(shapes) > 1 and None not in shapes:
        raise ValueError(f"{where(node)}{_located(node)} merges maps of different sizes "
                         f"{sorted(shapes)}")
    lo = tuple(min(f.lo[a] for f in fields) for a in range(2))
    hi = tuple(max(f.hi[a] for f in fields) for a in range(2))
    notes = [n for f in fields for n in f.notes]
    centres = sorted({tuple((f.lo[a] + f.hi[a]) / 2 for a in range(2)) for f in fields})
    if len(centres) > 1:
        notes.append(f"{where(node)}: its inputs' fields are centred differently (centres of "
                     f"unit 0 at {', '.join(str(c) for c in centres)}); the field is their union")
    return Field(lo, hi, fields[0].jump, fields[0].shape, tuple(dict.fromkeys(notes)))


def _flat(args):
    for a in args:
        if isinstance(a, (list, tuple)):
            yield from _flat(a)
        elif isinstance(a, fx.Node):
            yield a


def _ancestors(node):
    seen, todo = set(), list(node.all_input_nodes)
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(n.all_input_nodes)
    return seen


def _uniform_pool(x, kernel, stride, padding, dilation, ceil_mode):
    """Average over the windows max pooling with this geometry would use (a depthwise conv with
    equal positive weights), so every window position keeps a non-zero gradient."""
    pads = []
    for axis in (1, 0):                          # F.pad wants (left, right, top, bottom)
        n = x.shape[2 + axis]
        k, s, p, d = kernel[axis], stride[axis], padding[axis], dilation[axis]
        out = output_size(n, k, s, p, d, ceil_mode)
        pads += [p, (out - 1) * s + d * (k - 1) + 1 - n - p]
    weight = torch.full((x.shape[1], 1, *kernel), 1.0 / (kernel[0] * kernel[1]),
                        dtype=x.dtype)
    return F.conv2d(F.pad(x, pads), weight, stride=stride, dilation=dilation, groups=x.shape[1])


def spatial_part(model, uniform_weights=True):
    """A copy of ``model`` cut at the map that reaches its first global pooling / flatten /
    linear layer, in float64, eval mode. With ``uniform_weights``: convolutions get equal positive
    weights and no bias, max pooling becomes averaging over the same windows (dilation and
    ceil_mode kept), and pointwise layers (activations, BatchNorm, dropout) are bypassed, so that
    no gradient inside the receptive field vanishes by accident."""
    gm = trace(copy.deepcopy(model))
    walk = Walk(gm)
    graph = gm.graph
    output = next(n for n in graph.nodes if n.op == "output")
    output.args = (walk.end_input,)
    if uniform_weights:
        for node in list(graph.nodes):
            kind = walk.kinds.get(node)
            if kind == "pointwise":
                node.replace_all_uses_with(node.args[0])
            elif kind == "spatial" and _is_max_pool(node, walk.modules):
                geo = (_module_geometry(walk.modules[node.target]) if node.op == "call_module"
                       else _function_geometry(node))
                with graph.inserting_after(node):
                    new = graph.call_function(_uniform_pool, (node.args[0], *geo[:4], geo[4]))
                node.replace_all_uses_with(new)
        with torch.no_grad():
            for module in gm.modules():
                if isinstance(module, nn.Conv2d):
                    module.weight.fill_(1.0 / module.weight[0].numel())
                    if module.bias is not None:
                        module.bias.zero_()
    graph.eliminate_dead_code()
    graph.lint()
    gm.recompile()
    return gm.double().eval()


def _is_max_pool(node, modules):
    if node.op == "call_module":
        return isinstance(modules[node.target], nn.MaxPool2d)
    return node.target is F.max_pool2d


__all__ = ["Field", "Walk", "trace", "spatial_part", "where", "output_size"]
