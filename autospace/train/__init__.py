"""Training: the device, one standalone recipe and loop, accuracy, BatchNorm recalibration."""
