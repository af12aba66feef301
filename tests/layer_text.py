"""The one generator of random networks in the layer language (``convbook.netspec``), shared by
the unit tests and the site tests (both put ``tests/`` on the import path).

>>> import random
>>> random_layers(random.Random(0))
'avgpool 1 s2 p0; pool 4 s2 p2; conv 2 s2 p0 d1; pool 2 s2 p0'
"""
ACTIVATIONS = ["relu", "sigmoid", "tanh"]


def random_layers(rng, max_layers=4, max_kernel=4, max_conv_stride=2, channels=None,
                  channel_chance=1.0, activation_chance=0.4, max_dense=None,
                  max_dense_layers=2):
    """Layer text: 1..max_layers conv/pool layers, each maybe followed by an activation, then
    (when ``max_dense``) maybe flatten and dense layers. A conv gets ``cN`` (N in
    1..channels) with probability ``channel_chance`` (``channels=None``: never). A draw that a
    setting turns off is not made, so each setting keeps its own random sequence."""
    parts = []
    for _ in range(rng.randint(1, max_layers)):
        kind = rng.choice(["conv", "conv", "pool", "avgpool"])
        k = rng.randint(1, max_kernel)
        if kind == "conv":
            text = (f"conv {k} s{rng.randint(1, max_conv_stride)} p{rng.randint(0, 2)} "
                    f"d{rng.randint(1, 2)}")
            if channels and (channel_chance == 1 or rng.random() < channel_chance):
                text += f" c{rng.randint(1, channels)}"
            parts.append(text)
        else:
            parts.append(f"{kind} {k} s{rng.randint(1, 3)} p{rng.randint(0, k // 2)}")
        if activation_chance and rng.random() < activation_chance:
            parts.append(rng.choice(ACTIVATIONS))
    if max_dense and rng.random() < 0.6:
        if rng.random() < 0.5:
            parts.append("flatten")
        parts += [f"dense {rng.randint(1, max_dense)}"
                  for _ in range(rng.randint(1, max_dense_layers))]
    return "; ".join(parts)
