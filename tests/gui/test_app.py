from maskpaint.gui.app import MainWindow


def test_window_opens_the_sample_photo(qtbot, coffee_path):
    window = MainWindow(coffee_path)
    qtbot.addWidget(window)
    window.show()
    assert "coffee.png" in window.windowTitle()
    assert "600 × 400" in window.statusBar().currentMessage()
