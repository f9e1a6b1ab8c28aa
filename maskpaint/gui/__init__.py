"""The PySide6 layer: windows, canvas, panels, workers. Business logic lives in core/."""
