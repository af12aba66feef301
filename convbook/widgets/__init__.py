"""ipywidgets explorers for the sections. Each widget is a class with a ``.view`` to display,
setter methods that tests (and readers) can call, and a static fallback for the website."""
from .channels import ChannelExplorer  # noqa: E402,F401
from .pooling import PoolingExplorer  # noqa: E402,F401
from .sliding import SlidingKernel  # noqa: E402,F401
from .padding import PaddingStrideExplorer  # noqa: E402,F401
from .receptive import ReceptiveFieldWidget  # noqa: E402,F401
from .matrix import MatrixExplorer  # noqa: E402,F401
from .sheet import NetworkSheetExplorer  # noqa: E402,F401
