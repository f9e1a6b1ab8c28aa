from maskpaint.cli import main


def test_help_lists_the_gui_options(capsys):
    try:
        main(["--help"])
    except SystemExit as exit_:
        assert exit_.code == 0
    out = capsys.readouterr().out
    assert "--prompt" in out
    assert "--mask" in out
