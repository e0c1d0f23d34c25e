"""open_lth's CIFAR models in plain PyTorch, for tests that build checkpoints the way open_lth
does: cifar_resnet_D_W (tests/integration/pytorch_crosscheck.py's ResNet) and cifar_vgg_D."""
import os
import sys

import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from pytorch_crosscheck import ResNet as CifarResNet  # noqa: E402,F401

VGG_PLANS = {
    11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512],
    13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512],
    16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512],
    19: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512],
}


class ConvModule(nn.Module):
    def __init__(self, f_in, f_out):
        super().__init__()
        self.conv = nn.Conv2d(f_in, f_out, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(f_out)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class CifarVgg(nn.Module):
    def __init__(self, depth, classes=10, in_channels=3):
        super().__init__()
        layers, f = [], in_channels
        for spec in VGG_PLANS[depth]:
            if spec == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers.append(ConvModule(f, spec))
                f = spec
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = F.avg_pool2d(self.layers(x), 2)
        return self.fc(x.view(x.size(0), -1))
