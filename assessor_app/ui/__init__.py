"""Qt user interface: widgets, models and views. The only layer that imports QtWidgets."""
