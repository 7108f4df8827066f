"""The pure core: numpy and the standard library only. Time is always an argument."""
