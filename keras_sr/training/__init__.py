"""Training: paper recipes, losses, SRGAN, MDSR multi-scale, callbacks and runs."""
