"""The explorers: anywidget views whose JavaScript (``js/``) recomputes and redraws in the
browser, in JupyterLab and on the static website alike. Each explorer is a class with a
``.view`` to display and checked setter methods that tests (and readers) can call; its model
lives outside ``widgets/`` (``convbook.windows``, ``convbook.matrix``, ``convbook.netspec``,
``convbook.network_fields``,
``convbook.drawing``)."""
from .channels import ChannelExplorer
from .matrix import MatrixExplorer
from .padding import PaddingStrideExplorer
from .pooling import PoolingExplorer
from .receptive import ReceptiveFieldExplorer
from .sheet import NetworkSheetExplorer
from .sliding import SlidingKernelExplorer
from .trained import TrainedNetworkExplorer

__all__ = ["ChannelExplorer", "MatrixExplorer", "PaddingStrideExplorer", "PoolingExplorer",
           "ReceptiveFieldExplorer", "NetworkSheetExplorer", "SlidingKernelExplorer",
           "TrainedNetworkExplorer"]
