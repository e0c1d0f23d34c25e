"""open_lth's CIFAR models in plain PyTorch, for tests that build checkpoints the way open_lth
does: cifar_resnet_D_W and cifar_vgg_D, the cross-check's models (tests/integration/pytorch_crosscheck.py)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from pytorch_crosscheck import VGG  # noqa: E402
from pytorch_crosscheck import ResNet as CifarResNet  # noqa: E402,F401


def CifarVgg(depth, classes=10, in_channels=3):  # noqa: N802 (named as the model it builds)
    return VGG(depth, in_channels, classes)
