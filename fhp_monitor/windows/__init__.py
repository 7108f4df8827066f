"""Tk windows: the calibration wizard and the control panel (tkinter is imported only here)."""
