"""Follow a CNN's torch.fx graph and carry each feature map's receptive field through it.

Used by ``convbook.receptive``. A field is kept per axis as the input rows ``lo .. hi`` seen by
unit 0 of a map and the jump ``J`` (input pixels between neighbouring units): unit ``u``
sees ``lo + u*J .. hi + u*J``. A layer with kernel k, stride s, padding p and dilation d maps
(lo, hi, J) to (lo - p*J, hi + (d*(k-1) - p)*J, J*s); a merge (addition, concatenation) takes
the union of its inputs' fields, which must share one jump.
"""
import copy
import math
import operator
import os
import threading
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import fx, nn

# Modules and functions that act pixel by pixel: the field passes through unchanged.
POINTWISE_MODULES = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.Hardtanh, nn.Sigmoid, nn.Tanh,
                     nn.ELU, nn.GELU, nn.SiLU, nn.Mish, nn.Softplus, nn.Hardswish, nn.Hardsigmoid,
                     nn.Identity, nn.Dropout, nn.Dropout2d, nn.BatchNorm2d, nn.LocalResponseNorm)
SPATIAL_MODULES = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)
ADAPTIVE_MODULES = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
PAD_MODULES = (nn.ZeroPad2d, nn.ConstantPad2d)
POINTWISE_FUNCTIONS = {torch.relu, torch.relu_, F.relu, F.relu_, F.relu6, F.leaky_relu, F.elu,
                       F.gelu, F.silu, F.mish, F.softplus, F.hardswish, F.hardsigmoid, F.hardtanh,
                       F.sigmoid, torch.sigmoid, torch.tanh, F.tanh, F.dropout, F.dropout2d,
                       F.batch_norm, F.local_response_norm, torch.clamp, torch.neg, operator.neg}
ARITHMETIC = {operator.add, operator.iadd, operator.sub, operator.mul, operator.imul,
              operator.truediv, torch.add, torch.sub, torch.mul, torch.div}
ADAPTIVE_FUNCTIONS = {F.adaptive_avg_pool2d, F.adaptive_max_pool2d}
# Reductions: over both spatial axes they end the spatial part; over leading axes (channels)
# they are followed; over one spatial axis they are refused. max/min with a dim give a pair.
REDUCTIONS = {"mean", "sum", "amax", "amin", "max", "min", "std", "var", "prod", "logsumexp",
              "nansum", "nanmean", "norm"}
REDUCTION_FUNCTIONS = {getattr(torch, name): name for name in REDUCTIONS}
RESHAPES = {"view", "reshape"}
POINTWISE_METHODS = {"relu", "relu_", "sigmoid", "sigmoid_", "tanh", "tanh_", "clamp", "clamp_",
                     "contiguous", "float", "double", "to", "clone", "neg"}
ARITHMETIC_METHODS = {"add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_"}
META_METHODS = {"size", "dim"}


@dataclass(frozen=True)
class Field:
    """Input rows/cols (lo, hi) seen by unit 0 of a map, the jump, the map's (h, w) if known."""
    lo: tuple
    hi: tuple
    jump: tuple
    shape: tuple = None
    notes: tuple = ()
    rank: int = 4          # the map's number of axes; the spatial axes are the last two
    channels: int = None   # axis 1 of a 4-D map, when known
    origin: object = None  # the node where the map's (h, w) last changed (sizes read by
                           # x.size() are matched against it when the shape is unknown)


@dataclass(frozen=True)
class Sym:
    """A size read from a map by x.size(i) / x.shape[i]: spatial axis (0 = h, 1 = w) or
    leading axis ("lead", i), of the map whose size was set at ``origin``."""
    axis: object
    origin: object


class Known:
    """The value of a size computation (ints, Syms, tuples of them; None where unknown)."""

    def __init__(self, value):
        self.value = value


class Pair:
    """(values, indices) of x.max(dim) / x.min(dim) over channels: values is a map. With
    ``parts``: the pieces of x.chunk / x.split along a leading axis, each a map."""

    def __init__(self, field, parts=False):
        self.field, self.parts = field, parts


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


def _module_window_params(module):
    return window_params({name: getattr(module, name) for name in
                     ("kernel_size", "stride", "padding", "dilation", "ceil_mode")
                     if hasattr(module, name)})


_POOL_ARGS = {F.max_pool2d: ("kernel_size", "stride", "padding", "dilation", "ceil_mode"),
              F.avg_pool2d: ("kernel_size", "stride", "padding", "ceil_mode")}


def _function_window_params(node):
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
    ``end_input``: the node whose map reaches the first operation that removes both spatial
    axes (global pooling, a reduction over (h, w), a flatten of c x h x w) or the output;
    ``kinds``: node -> "pointwise" / "scale" / "spatial" / "pad" / "merge" / ...
    Channel reductions, views and reshapes that keep the (h, w) axes, channel shuffles and
    adaptive pooling to a size > 1 are followed (or refused by name), never an end.
    """

    def __init__(self, gm, input_hw=None, channels=None):
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
                state[node] = Field((0, 0), (0, 0), (1, 1), input_hw, channels=channels,
                                    origin=node)
                continue
            if node.op != "output" and node not in needed:
                continue
            inputs = [state.get(n) for n in node.all_input_nodes]
            if any(isinstance(s, Pair) for s in inputs):
                state[node] = self._unpair(node, inputs)
                continue
            fields = [s for s in inputs if isinstance(s, Field)]
            if node.op == "output":
                if self.end_input is None and fields:
                    self.end_input = next(n for n in _flat(node.args)
                                          if isinstance(state.get(n), Field))
                break
            if self.end_input is not None:              # past the end: only watch for mixing
                if fields and self._ends(node, fields, state):
                    state[node] = _ENDED                 # another branch's own global pooling
                    continue
                if fields and _ENDED in inputs:
                    raise ValueError(
                        f"{where(node)}{_located(node)} combines a globally pooled value with a "
                        "feature map (as squeeze-and-excitation blocks and CBAM's channel "
                        "attention do): every unit then depends on the whole input, which a "
                        "receptive field cannot describe")
                state[node] = fields[0] if fields else (_ENDED if _ENDED in inputs else None)
                continue
            if not fields:
                state[node] = (self._evaluate(node, state)
                               if any(_is_meta(s) for s in inputs) else None)
                continue
            state[node] = self._step(node, fields, state)
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

    def _ends(self, node, fields, state):
        """True when ``node`` removes both spatial axes of its map (False if unknown)."""
        try:
            return self._classify(node, fields, state)[0] == "end"
        except (TypeError, ValueError):
            return False

    def _unpair(self, node, inputs):
        """x.max(dim)[0] / .values is the map of maxima; the indices are not a feature map."""
        pair = next(s for s in inputs if isinstance(s, Pair))
        if pair.parts and node.target is operator.getitem and isinstance(node.args[1], int):
            return pair.field
        if node.target is operator.getitem and node.args[1] == 0:
            return pair.field
        if node.target is getattr and node.args[1] == "values":
            return pair.field
        raise TypeError(f"{where(node)}{_located(node)} uses the indices of a max/min over "
                        "channels: they are positions, not a feature map; use the values "
                        "(x.amax(1, keepdim=True)) or compute the field of each part")

    def _step(self, node, fields, state):
        kind, info = self._classify(node, fields, state)
        self.kinds[node] = kind
        if kind in ("pointwise", "scale"):
            return fields[0]
        if kind == "follow":                      # channels / rank change, (h, w) kept
            return replace(fields[0], **info)
        if kind == "pair":
            return Pair(replace(fields[0], **info))
        if kind == "parts":
            return Pair(replace(fields[0], channels=None), parts=True)
        if kind == "meta":
            return self._evaluate(node, state, fields[0])
        if kind == "end":
            return _ENDED
        if kind == "merge":
            field = _merge(node, fields)
        elif kind == "pad":
            field = replace(_pad(fields[0], info), rank=fields[0].rank,
                            channels=fields[0].channels, origin=node)
        else:
            field = replace(self._through(node, fields[0], *info[:5]), rank=fields[0].rank,
                            channels=info[5] if len(info) > 5 else fields[0].channels,
                            origin=node)
        self.records.append((node, field))
        return field

    # ---- sizes read from maps (x.size(), x.shape[i], arithmetic on them) -------------------

    def _evaluate(self, node, state, field=None):
        """Known(value) of a size computation, or _META when it is something else."""
        def value(arg):
            if isinstance(arg, fx.Node):
                s = state.get(arg)
                return s.value if isinstance(s, Known) else None
            if isinstance(arg, (tuple, list)):
                return tuple(value(a) for a in arg)
            return arg

        target = node.target
        if field is not None:                     # a size read from a map
            dims = _dims(field)
            if node.op == "call_method" and target == "size":
                dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim")
                if dim is None:
                    return Known(dims)
                if isinstance(dim, int) and dims is not None and -len(dims) <= dim < len(dims):
                    return Known(dims[dim])
                return Known(None)
            if node.op == "call_method" and target == "dim":
                return Known(field.rank)
            if target is getattr and node.args[1] == "shape":
                return Known(dims)
            if target is getattr and node.args[1] == "ndim":
                return Known(field.rank)
            return _META
        if node.op == "call_function" and target is operator.getitem:
            seq, index = value(node.args[0]), node.args[1]
            if isinstance(seq, tuple) and isinstance(index, int) and -len(seq) <= index < len(seq):
                return Known(seq[index])
            return Known(None)
        if node.op == "call_function" and target in _SIZE_ARITHMETIC:
            args = [value(a) for a in node.args]
            if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
                try:
                    return Known(_SIZE_ARITHMETIC[target](*args))
                except (ArithmeticError, ValueError):
                    return Known(None)
            return Known(None)
        return _META

    def _ints(self, node, args, state):
        """The values of a list of size arguments (ints, Syms, None where unknown)."""
        out = []
        for arg in args:
            if isinstance(arg, fx.Node):
                s = state.get(arg)
                out.append(s.value if isinstance(s, Known) else None)
            else:
                out.append(arg)
        return out

    # ---- classification --------------------------------------------------------------------

    def _classify(self, node, fields, state):
        """(kind, info) of a node with a spatial input; unsupported nodes raise here."""
        what = where(node) + ("" if node.op == "call_module" else _located(node))
        field = fields[0]
        if node.op == "call_module":
            module = self.modules[node.target]
            if isinstance(module, nn.Conv2d) and module.padding_mode != "zeros":
                raise ValueError(
                    f"{what} ({type(module).__name__}) pads with padding_mode="
                    f"'{module.padding_mode}': border units then see mirrored or wrapped "
                    "pixels, which the closed form does not describe; use padding_mode='zeros'"
                    " (interior units have the same field either way)")
            if isinstance(module, nn.Conv2d):
                if field.channels is not None and field.channels != module.in_channels:
                    raise ValueError(
                        f"{what} ({type(module).__name__}) expects {module.in_channels} input "
                        f"channels but its input map has {field.channels}: the model cannot "
                        "run on this input_shape")
                return "spatial", (*_module_window_params(module), module.out_channels)
            if isinstance(module, SPATIAL_MODULES):
                return "spatial", _module_window_params(module)
            if isinstance(module, POINTWISE_MODULES):
                return "pointwise", None
            if isinstance(module, nn.Flatten):
                return self._flatten(what, field, module.start_dim, module.end_dim)
            if isinstance(module, ADAPTIVE_MODULES):
                return self._adaptive(what, field, module.output_size)
            if isinstance(module, nn.Linear):
                raise TypeError(_LINEAR.format(what=f"{what} (Linear)"))
            if isinstance(module, PAD_MODULES):
                return "pad", _pad_amounts(module.padding)
            if isinstance(module, (nn.ReflectionPad2d, nn.ReplicationPad2d, nn.CircularPad2d)):
                raise ValueError(f"{what} ({type(module).__name__}) pads with copies of image "
                                 "pixels: the closed form handles zero padding only")
            raise TypeError(f"{what} ({type(module).__name__}) is not supported: use Conv2d, "
                            "MaxPool2d, AvgPool2d, zero padding, elementwise layers, additions "
                            "and concatenations before a global pooling, Flatten or Linear")
        target = node.target
        args = node.args
        if node.op == "call_method":
            if target in META_METHODS:
                return "meta", None
            if target in POINTWISE_METHODS:
                return "pointwise", None
            if target in ARITHMETIC_METHODS:
                return ("merge" if len(fields) > 1 else "scale"), None
            if target in REDUCTIONS:
                return self._reduce(what, node, target, field, fields)
            if target in RESHAPES:
                sizes = args[1] if len(args) == 2 and isinstance(args[1], (tuple, list)) \
                    else args[1:]
                return self._reshape(what, field, self._ints(node, sizes, state))
            if target == "flatten":
                return self._flatten(what, field, _arg(node, 1, "start_dim", 0),
                                     _arg(node, 2, "end_dim", -1))
            if target in ("squeeze", "unsqueeze", "transpose", "swapaxes", "permute"):
                return self._axes(what, node, target, field, list(args[1:]))
            if target in ("chunk", "split", "tensor_split", "unbind"):
                return self._parts(what, node, target, field)
        else:
            if target is getattr:
                return "meta", None
            if target is operator.getitem:
                return self._index(what, field, args[1])
            if target in (torch.chunk, torch.split, torch.tensor_split, torch.unbind):
                return self._parts(what, node, target.__name__, field)
            if target in POINTWISE_FUNCTIONS:
                return "pointwise", None
            if target in ARITHMETIC:
                return ("merge" if len(fields) > 1 else "scale"), None
            if target in (torch.maximum, torch.minimum, torch.fmax, torch.fmin):
                return ("merge" if len(fields) > 1 else "scale"), None
            if target in (torch.cat, torch.concat, torch.concatenate):
                dim = _arg(node, 1, "dim", node.kwargs.get("axis", 0))
                return self._concat(what, node, dim, fields)
            if target in REDUCTION_FUNCTIONS:
                return self._reduce(what, node, REDUCTION_FUNCTIONS[target], field, fields)
            if target in (torch.reshape,):
                return self._reshape(what, field, self._ints(node, _arg(node, 1, "shape", ()),
                                                             state))
            if target is torch.flatten:
                return self._flatten(what, field, _arg(node, 1, "start_dim", 0),
                                     _arg(node, 2, "end_dim", -1))
            if target in (torch.squeeze, torch.unsqueeze, torch.transpose, torch.swapaxes,
                          torch.permute):
                return self._axes(what, node, target.__name__, field, list(args[1:]))
            if target in ADAPTIVE_FUNCTIONS:
                return self._adaptive(what, field, _arg(node, 1, "output_size", None))
            if target is F.linear:
                raise TypeError(_LINEAR.format(what=what))
            if target in _POOL_ARGS:
                return "spatial", _function_window_params(node)
            if target is F.pad:
                mode = _arg(node, 2, "mode", "constant")
                if mode != "constant":
                    raise ValueError(f"{what} pads with mode={mode!r}: the closed form handles "
                                     "zero (constant) padding only")
                amounts = _arg(node, 1, "pad", ())
                values = self._ints(node, amounts, state) if isinstance(amounts, (tuple, list)) \
                    else [None]
                if not all(isinstance(v, int) for v in values):
                    raise ValueError(
                        f"{what} pads by amounts computed from the map's size "
                        f"({_short_args(amounts)}): give receptive_field an input_shape "
                        "(channels, h, w) so that they can be computed")
                return "pad", _pad_amounts(tuple(values))
            if target in _FUNCTIONAL_LAYERS:
                raise TypeError(
                    f"{what} calls {target.__name__} on a feature map: its kernel is a weight "
                    "tensor computed in forward, which torch.fx traces as a symbol without a "
                    "shape, so the kernel size (and, for transposed ones, the upsampling) "
                    "cannot be read; use the module (nn.Conv2d, ...), whose kernel_size, "
                    "stride, padding and dilation are attributes")
        raise TypeError(f"{what} is not supported on a feature map: use modules "
                        "(nn.Conv2d, nn.MaxPool2d, ...), elementwise functions, additions and "
                        "torch.cat before a global pooling, flatten or linear layer")

    def _spatial_axes(self, what, field, dims, name):
        """``dims`` normalised to 0..rank-1, checked; a ValueError when the rank is unknown."""
        out = []
        for dim in dims:
            if not isinstance(dim, int) or isinstance(dim, bool):
                raise TypeError(f"{what}: {name}={dim!r} is not an int")
            if field.rank is None:
                if dim >= 0:
                    raise ValueError(f"{what}: the map's number of axes is unknown here, so "
                                     f"{name}={dim} cannot be placed; use negative dims")
                out.append(dim)
                continue
            if not -field.rank <= dim < field.rank:
                raise ValueError(f"{what}: {name}={dim} is outside the map's {field.rank} axes")
            out.append(dim % field.rank - field.rank)     # as a negative index
        return out

    def _index(self, what, field, index):
        """x[...] with ints, slices and None on the leading axes only: followed."""
        items = list(index) if isinstance(index, tuple) else [index]
        if field.rank is None or any(i is Ellipsis or not (i is None or isinstance(
                i, (int, slice))) or isinstance(i, bool) for i in items):
            raise ValueError(f"{what} indexes a feature map with {index!r}: only ints, slices "
                             "and None on the leading (batch, channel) axes are followed")
        used = [i for i in items if i is not None]
        spatial = used[field.rank - 2:]
        if any(i != slice(None) for i in spatial) or len(used) > field.rank:
            raise ValueError(f"{what} indexes a spatial axis of a feature map ({index!r}): "
                             "a crop changes which pixels a unit sees in ways the closed form "
                             "does not follow; crop with padding or pooling instead")
        rank = field.rank - sum(isinstance(i, int) for i in used) + items.count(None)
        return "follow", {"rank": rank, "channels": None}

    def _parts(self, what, node, name, field):
        dim = _arg(node, 2 if name != "unbind" else 1, "dim", 0)
        (d,) = self._spatial_axes(what, field, [dim], "dim")
        if d in (-2, -1):
            raise ValueError(f"{what} ({name}) cuts a feature map along a spatial axis "
                             f"(dim={dim}): only cuts along leading axes are followed")
        return "parts", None

    def _concat(self, what, node, dim, fields):
        (d,) = self._spatial_axes(what, fields[0], [dim], "dim")
        if d in (-2, -1):
            raise ValueError(f"{what} concatenates along dim={dim}: only channel "
                             "concatenation (dim=1) keeps the feature maps' layout")
        if fields[0].rank is not None and d == -fields[0].rank:
            raise ValueError(f"{what} concatenates along dim={dim}, the batch axis: only "
                             "channel concatenation (dim=1) keeps the feature maps' layout")
        return "merge", None

    def _reduce(self, what, node, name, field, fields):
        if len(fields) > 1 or isinstance(_arg(node, 1, "other", None), fx.Node) and \
                name in ("max", "min"):
            return "merge", None                  # torch.max(a, b): elementwise
        dim = _arg(node, 1, "dim", None)
        if name == "norm":
            dim = _arg(node, 2, "dim", None)
        keepdim = _arg(node, {"norm": 3, "std": 3, "var": 3}.get(name, 2), "keepdim", False)
        if dim is None:
            return "end", None                    # over everything
        dims = self._spatial_axes(what, field, list(dim) if isinstance(dim, (tuple, list))
                                  else [dim], "dim")
        spatial = {d for d in dims if d in (-2, -1)}
        if spatial == {-2, -1}:
            return "end", None
        if spatial:
            raise ValueError(f"{what} reduces over one spatial axis (dim={dim}): the map loses "
                             "its height or width, which a receptive field cannot describe")
        info = {"channels": 1 if keepdim else None,
                "rank": field.rank if keepdim else (None if field.rank is None
                                                    else field.rank - len(set(dims)))}
        if field.rank != 4 or info["rank"] != 4:
            info["channels"] = None
        if name in ("max", "min"):
            return "pair", info
        return "follow", info

    def _reshape(self, what, field, sizes):
        """view / reshape: kept (h, w) -> followed; both flattened together -> end."""
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = list(sizes[0])
        h, w = _dims(field)[-2:] if field.rank else (None, None)
        known = all(isinstance(v, int) for v in (h, w))
        if len(sizes) >= 2 and _same(sizes[-2], h) and _same(sizes[-1], w):
            keeps = len(sizes) == 4 == field.rank and _same(sizes[1], field.channels)
            return "follow", {"rank": len(sizes), "channels": field.channels if keeps else None}
        spatial = any(isinstance(v, Sym) and v.axis in (0, 1) for v in sizes)
        last = sizes[-1] if sizes else None
        leading = all(v == -1 or isinstance(v, Sym) and v.axis not in (0, 1)
                      or known and field.rank == 4 and v in (1, field.channels)
                      for v in sizes[:-1])
        if not spatial and sizes:
            if known and isinstance(last, int) and last > 0:
                flattened = last % (h * w) == 0        # the last axis holds whole maps
            else:
                flattened = last == -1 and (len(sizes) <= 2 or leading) or (
                    not known and len(sizes) <= 2)
            if flattened:
                return "end", None
        raise ValueError(
            f"{what} reshapes a feature map to ({', '.join(_show(v) for v in sizes)}): a view "
            "or reshape is followed when it keeps the last two (height, width) axes and ends "
            "the spatial part when it flattens both into one; this one does neither, or its "
            "sizes are unknown here (give receptive_field an input_shape (channels, h, w))")

    def _flatten(self, what, field, start, end):
        if field.rank is None:
            raise ValueError(f"{what} flattens a map whose number of axes is unknown here")
        start, end = (d % field.rank for d in (start, end))
        h_axis = field.rank - 2
        if start <= h_axis and end == field.rank - 1:
            return "end", None                    # h and w flattened together
        if end < h_axis:
            return "follow", {"rank": field.rank - (end - start), "channels": None}
        raise ValueError(f"{what} flattens dims {start}..{end}, which merge one spatial axis "
                         "with another axis: the map loses its height or width")

    def _axes(self, what, node, name, field, args):
        rank = field.rank
        if name in ("squeeze", "unsqueeze"):
            if not args or isinstance(args[0], (tuple, list)):
                raise ValueError(f"{what}: {name} without one dim may remove a spatial axis of "
                                 "size 1; name the dim (e.g. squeeze(0))")
            dim = args[0]
            if rank is None or not isinstance(dim, int):
                raise ValueError(f"{what}: {name}({dim!r}) on a map whose number of axes is "
                                 "unknown here")
            if name == "squeeze":
                (d,) = self._spatial_axes(what, field, [dim], "dim")
                if d in (-2, -1):
                    raise ValueError(f"{what} squeezes a spatial axis (dim={dim})")
                return "follow", {"rank": rank - 1, "channels": None}
            if not -rank - 1 <= dim <= rank:
                raise ValueError(f"{what}: dim={dim} is outside the map's {rank + 1} axes")
            if dim % (rank + 1) > rank - 2:
                raise ValueError(f"{what} inserts an axis among the spatial ones (dim={dim})")
            return "follow", {"rank": rank + 1, "channels": None}
        dims = list(args[0]) if name == "permute" and len(args) == 1 and isinstance(
            args[0], (tuple, list)) else list(args)
        if "dims" in node.kwargs:
            dims = list(node.kwargs["dims"])
        axes = self._spatial_axes(what, field, dims, "dims")
        if name == "permute":
            if axes[-2:] == [-2, -1]:
                return "follow", {"channels": None}
        elif not set(axes) & {-2, -1}:
            return "follow", {"channels": None}
        raise ValueError(f"{what} ({name}) moves a spatial axis: the receptive field is "
                         "followed only through rearrangements of the leading axes")

    def _adaptive(self, what, field, output_size):
        sizes = tuple(output_size) if isinstance(output_size, (tuple, list)) \
            else (output_size, output_size)
        if sizes == (1, 1):
            return "end", None                    # global pooling
        if field.shape is None:
            raise ValueError(f"{what} pools adaptively to {output_size}: whether that is a "
                             "pooling with fixed windows depends on the map's size; give "
                             "receptive_field an input_shape (channels, h, w)")
        kernel = []
        for n, k in zip(field.shape, sizes):
            k = n if k is None else k
            if n % k:
                raise ValueError(f"{what} pools adaptively from {field.shape[0]}x"
                                 f"{field.shape[1]} to {output_size}: its windows then have "
                                 "unequal sizes and overlap, which the closed form does not "
                                 "describe; use a size that divides the map")
            kernel.append(n // k)
        if kernel == [1, 1]:
            return "pointwise", None              # the map already has that size
        return "spatial", (tuple(kernel), tuple(kernel), (0, 0), (1, 1), False)

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


_SIZE_ARITHMETIC = {operator.add: operator.add, operator.sub: operator.sub,
                    operator.mul: operator.mul, operator.floordiv: operator.floordiv,
                    operator.mod: operator.mod, operator.neg: operator.neg}
_FUNCTIONAL_LAYERS = {F.conv1d, F.conv2d, F.conv3d, F.conv_transpose1d, F.conv_transpose2d,
                      F.conv_transpose3d}
_LINEAR = ("{what} applies a linear layer to a feature map: it mixes the map's last (width) "
           "axis, which a receptive field cannot describe; flatten the map first "
           "(nn.Flatten(), x.flatten(1)) or use a 1x1 convolution to mix channels")


def _is_meta(state):
    return state is _META or isinstance(state, Known)


def _arg(node, position, name, default):
    """Argument ``name`` of a call node, given by position (counting the input as 0) or name."""
    if len(node.args) > position:
        return node.args[position]
    return node.kwargs.get(name, default)


def _dims(field):
    """The sizes x.size() returns for a map: ints where known, Syms otherwise."""
    if field.rank is None:
        return None
    lead = [Sym(("lead", i), field.origin) for i in range(field.rank - 2)]
    if field.rank == 4 and field.channels is not None:
        lead[1] = field.channels
    spatial = list(field.shape) if field.shape is not None else [
        Sym(0, field.origin), Sym(1, field.origin)]
    return tuple(lead + spatial)


def _same(a, b):
    return a is not None and b is not None and not isinstance(a, bool) and a == b


def _show(value):
    if isinstance(value, Sym):
        return {0: "h", 1: "w"}.get(value.axis, "n" if value.axis == ("lead", 0) else "c")
    return "?" if value is None else str(value)


def _short_args(args):
    return ", ".join(getattr(a, "name", repr(a)) for a in args) if isinstance(
        args, (tuple, list)) else repr(args)


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
    channels = [f.channels for f in fields]
    if node.target in (torch.cat, torch.concat, torch.concatenate):
        channels = sum(channels) if None not in channels else None
    else:
        known = {c for c in channels if c not in (None, 1)}
        if len(known) > 1:
            raise ValueError(f"{where(node)}{_located(node)} combines maps with "
                             f"{' and '.join(str(c) for c in sorted(known))} channels")
        channels = (known.pop() if known else 1) if None not in channels else None
    notes = [n for f in fields for n in f.notes]
    centres = sorted({tuple((f.lo[a] + f.hi[a]) / 2 for a in range(2)) for f in fields})
    if len(centres) > 1:
        notes.append(f"{where(node)}: its inputs' fields are centred differently (centres of "
                     f"unit 0 at {', '.join(str(c) for c in centres)}); the field is their union")
    return Field(lo, hi, fields[0].jump, fields[0].shape, tuple(dict.fromkeys(notes)),
                 fields[0].rank, channels, fields[0].origin)


def _flat(args):
    for a in args:
        if isinstance(a, dict):
            yield from _flat(list(a.values()))
        elif isinstance(a, (list, tuple)):
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


def _is_max_pool(node, modules):
    if node.op == "call_module":
        return isinstance(modules[node.target], nn.MaxPool2d)
    return node.target is F.max_pool2d


def _uniform_max(x, dim, keepdim=False):
    """x.max(dim) of the uniform copy: the mean over the same axis (no channel wins alone)."""
    values = x.mean(dim, keepdim=keepdim)
    return torch.return_types.max((values, torch.zeros_like(values, dtype=torch.long)))


# Operations that move or resize windows over the map: after them the map has a new size but
# is still a map. Anything else that changes the last two axes' sizes ends the spatial part.
_WINDOW_MODULES = (nn.modules.conv._ConvNd, nn.modules.pooling._MaxPoolNd,
                   nn.modules.pooling._AvgPoolNd, nn.modules.pooling._LPPoolNd,
                   nn.modules.padding._ConstantPadNd, nn.modules.padding._ReflectionPadNd,
                   nn.modules.padding._ReplicationPadNd, nn.modules.padding._CircularPadNd,
                   nn.ZeroPad2d, nn.Upsample, nn.PixelShuffle, nn.PixelUnshuffle,
                   nn.FractionalMaxPool2d, nn.MaxUnpool2d)
_WINDOW_FUNCTIONS = {F.conv2d, F.conv_transpose2d, F.max_pool2d, F.avg_pool2d, F.lp_pool2d,
                     F.pad, F.interpolate, F.upsample, F.pixel_shuffle, F.pixel_unshuffle,
                     _uniform_pool, F.fractional_max_pool2d}
_ADAPTIVE_ANY = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)


def _shape_of(value):
    """The shape of a tensor, or of the first tensor of a (values, indices) pair."""
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    if isinstance(value, tuple) and value and isinstance(value[0], torch.Tensor):
        return tuple(value[0].shape)
    return None


class Measurement:
    """A copy of a model prepared for measuring receptive fields by autograd, independently of
    the closed form: the map measured is found from the shapes the model really computes.

    The map is the model's output when it is one, else the input of the first operation that
    changes the last two axes' sizes without sliding windows (a global pooling, a reduction over
    h and w, a flatten, a linear layer...): channel reductions, views that keep (h, w) and
    channel shuffles are run through, whatever the closed form makes of them.
    """

    def __init__(self, model, input_shape, uniform_weights=True):
        from ._checks import MAX_ELEMENTS, check_allocation
        channels, height, width = input_shape
        check_allocation("the input", (channels, height, width),
                         f"input_shape {tuple(input_shape)}")
        if not isinstance(model, nn.Module):
            trace(model)                                    # the usual TypeError
        tensors = list(model.parameters()) + list(model.buffers())
        if any(t.is_meta for t in tensors):
            raise ValueError("model is on the meta device: its parameters hold no values, so "
                             "autograd cannot run it; receptive_field gives the closed form, "
                             "or materialise the model (model.to_empty(device='cpu'))")
        if any(t.is_complex() for t in tensors):
            raise TypeError("model has complex parameters: the measurement runs in float64")
        gm = trace(copy.deepcopy(model))
        placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
        required = [n for n in placeholders if not n.args]
        if len(required) != 1 or placeholders[0] is not required[0]:
            names = ", ".join(n.target for n in required)
            raise TypeError(f"model's forward takes {len(required)} required inputs ({names}): "
                            "the measurement feeds it one image; wrap the model in a module "
                            "whose forward(x) supplies the others")
        self.input, self.input_shape = placeholders[0], (channels, height, width)
        if uniform_weights:
            _make_uniform(gm)
        gm.graph.eliminate_dead_code()
        gm.graph.lint()
        gm.recompile()
        self.gm = gm.double().eval()
        shapes = self._run_shapes((1, channels, height, width))
        total = sum(math.prod(s) for s in shapes.values() if s is not None)
        if total > MAX_ELEMENTS // 2:
            check_allocation("the measurement's feature maps and their gradients",
                             (2, total), f"input_shape {tuple(input_shape)}")
        self.shape = shapes[self.map]

    def _run_shapes(self, input_shape):
        """Shape of every node's value up to the measured map, computed without allocating
        (meta tensors, or fake ones when the forward makes tensors of its own); finds the map."""
        shapes, found = {}, []
        modules = dict(self.gm.named_modules())
        maps = {self.input}

        class Ended(Exception):
            pass

        class Recorder(fx.Interpreter):
            def run_node(self, node):
                value = super().run_node(node)
                shapes[node] = _shape_of(value)
                if node.op == "output":
                    leaves = [n for n in _flat(node.args) if n in maps]
                    if not leaves:
                        raise ValueError("model's output is not a feature map and no operation "
                                         "in it removes the spatial axes of one")
                    found.append(leaves[0])
                    return value
                end = _ends_map(node, shapes, maps, modules)
                if end is not None:
                    found.append(end)
                    raise Ended
                return value

        def run(*args):
            try:
                Recorder(self.gm).run(*args)
            except Ended:
                pass

        try:
            params = {k: v.to("meta") for k, v in self.gm.named_parameters()}
            params.update({k: v.to("meta") for k, v in self.gm.named_buffers()})
            with torch.nn.utils.stateless._reparametrize_module(self.gm, params):
                run(torch.empty(input_shape, dtype=torch.float64, device="meta"))
        except ValueError:
            raise
        except Exception as error:                  # noqa: BLE001 (retry with fake tensors)
            shapes.clear()
            found.clear()
            maps.clear()
            maps.add(self.input)
            try:
                from torch._subclasses.fake_tensor import FakeTensorMode
                with FakeTensorMode(allow_non_fake_inputs=True) as mode:
                    run(mode.from_tensor(torch.empty(input_shape, dtype=torch.float64,
                                                     device="meta")))
            except ValueError:
                raise
            except Exception as fake_error:         # noqa: BLE001 (any failure of the model)
                raise ValueError(f"model cannot run on an input of shape "
                                 f"{tuple(input_shape[1:])} (input_shape): "
                                 f"{type(fake_error).__name__}: "
                                 f"{str(fake_error).strip().splitlines()[0]}") from error
        self.map = found[0]
        return shapes

    def gradient(self, unit):
        """|d map[..., row, col] / d input| summed over input channels (float64, h x w)."""
        graph = self.gm.graph
        output = next(n for n in graph.nodes if n.op == "output")
        output.args = (self.map,)
        graph.eliminate_dead_code()
        self.gm.recompile()
        channels, height, width = self.input_shape
        x = torch.ones(1, channels, height, width, dtype=torch.float64, requires_grad=True)
        y = self.gm(x)
        y = y[0] if isinstance(y, tuple) else y
        y[..., unit[0], unit[1]].sum().backward()
        return x.grad[0].abs().sum(0)


def _ends_map(node, shapes, maps, modules):
    """The map ``node`` ends (the input of an operation that changes the last two axes' sizes
    without sliding windows), or None; adds ``node`` to ``maps`` when its value is a map."""
    sources = [n for n in node.all_input_nodes if n in maps]
    if not sources or shapes.get(node) is None:
        return None
    shape, source = shapes[node], shapes[sources[0]]
    module = modules.get(node.target) if node.op == "call_module" else None
    windows = (isinstance(module, _WINDOW_MODULES)
               or node.op == "call_function" and node.target in _WINDOW_FUNCTIONS)
    if isinstance(module, _ADAPTIVE_ANY) or node.op == "call_function" and node.target in (
            F.adaptive_avg_pool2d, F.adaptive_max_pool2d):
        windows = shape[-2:] != (1, 1)
    if windows or len(shape) >= 2 and shape[-2:] == source[-2:]:
        maps.add(node)
        return None
    return sources[0]


def _make_uniform(gm):
    """Equal positive conv weights, no biases, max -> average over the same windows, and no
    sign anywhere: activations, BatchNorm, dropout, negations and scalings (by constants or
    parameters, such as ReZero's alpha = 0) are bypassed, and a subtraction, product or
    quotient of two maps becomes their sum. A sum of positive terms cannot cancel, so the
    gradient's support is exactly the set of input pixels some path reaches."""
    graph = gm.graph
    modules = dict(gm.named_modules())
    derived = set()
    for node in graph.nodes:
        if node.op == "placeholder" and not derived:
            derived.add(node)
        elif any(n in derived for n in node.all_input_nodes):
            derived.add(node)

    def swap(node, new):
        derived.add(new)
        node.replace_all_uses_with(new)

    for node in list(graph.nodes):
        if node not in derived or node.op == "placeholder":
            continue
        target = node.target
        first = node.args[0] if node.args else None
        if node.op == "call_module":
            module = modules[target]
            if isinstance(module, POINTWISE_MODULES) and first in derived:
                node.replace_all_uses_with(first)
            elif isinstance(module, nn.MaxPool2d):
                geo = _module_window_params(module)
                with graph.inserting_after(node):
                    new = graph.call_function(_uniform_pool, (first, *geo[:4], geo[4]))
                swap(node, new)
            elif isinstance(module, nn.AdaptiveMaxPool2d):
                with graph.inserting_after(node):
                    new = graph.call_function(F.adaptive_avg_pool2d, (first, module.output_size))
                swap(node, new)
            continue
        pointwise = (target in POINTWISE_FUNCTIONS if node.op == "call_function"
                     else target in POINTWISE_METHODS and target not in ("size",))
        if pointwise and first in derived:
            node.replace_all_uses_with(first)
            continue
        arithmetic = (target in ARITHMETIC or target in (torch.maximum, torch.minimum,
                                                          torch.fmax, torch.fmin)
                      if node.op == "call_function" else target in ARITHMETIC_METHODS)
        if node.op == "call_function" and target in (torch.max, torch.min) and \
                len(node.args) > 1 and isinstance(node.args[1], fx.Node):
            arithmetic = True
        if arithmetic:
            operands = [a for a in list(node.args[:2]) + [node.kwargs.get("other")]
                        if isinstance(a, fx.Node) and a in derived]
            if len(operands) == 1:
                node.replace_all_uses_with(operands[0])       # drop a scale or an offset
            elif len(operands) == 2:
                with graph.inserting_after(node):
                    new = graph.call_function(operator.add, tuple(operands))
                swap(node, new)
            continue
        name = (target if node.op == "call_method"
                else REDUCTION_FUNCTIONS.get(target) if node.op == "call_function" else None)
        if name in REDUCTIONS - {"mean", "sum", "nansum", "norm"} and (
                len(node.args) > 1 or "dim" in node.kwargs):     # a maximum, a spread...
            dim = _arg(node, 1, "dim", None)
            keepdim = _arg(node, 3 if name in ("std", "var") else 2, "keepdim", False)
            with graph.inserting_after(node):
                new = (graph.call_function(_uniform_max, (first, dim, keepdim))
                       if name in ("max", "min") else
                       graph.call_method("mean", (first, dim), {"keepdim": keepdim}))
            swap(node, new)
        elif node.op == "call_function" and target is F.max_pool2d:
            geo = _function_window_params(node)
            with graph.inserting_after(node):
                new = graph.call_function(_uniform_pool, (first, *geo[:4], geo[4]))
            swap(node, new)
        elif node.op == "call_function" and target is F.adaptive_max_pool2d:
            with graph.inserting_after(node):
                new = graph.call_function(F.adaptive_avg_pool2d,
                                          (first, _arg(node, 1, "output_size", None)))
            swap(node, new)
    with torch.no_grad():
        for module in gm.modules():
            if isinstance(module, nn.Conv2d):
                module.weight.fill_(1.0 / module.weight[0].numel())
                if module.bias is not None:
                    module.bias.zero_()


__all__ = ["Field", "Walk", "trace", "Measurement", "where", "output_size"]
